// The time arithmetic of a run: pure functions of the clock.

import { describe, expect, it } from 'vitest';
import { Budget, WINDOW_SLACK_MS } from '../../lib/drain/budget';

const timing = { pullMs: 10_000, writeMs: 8000, confirmMs: 3000, marginMs: 2000, windowMs: 30_000 };

describe('budget', () => {
  it('starts a cycle only when pull, write, confirm and margin all fit', () => {
    const budget = new Budget(0, 60_000, timing);

    expect(budget.cycleMs).toBe(23_000);
    expect(budget.canStartCycle(37_000)).toBe(true);
    expect(budget.canStartCycle(37_001)).toBe(false);
  });

  it('ends a write by its own timeout, or earlier so the confirm and margin still fit', () => {
    const budget = new Budget(0, 60_000, timing);

    expect(budget.writeEndsBy(10_000)).toBe(18_000);
    expect(budget.writeEndsBy(52_000)).toBe(55_000);
  });

  it('lets a confirm start only while it can finish inside the handle window', () => {
    const budget = new Budget(0, 600_000, timing);

    expect(budget.confirmBy(1000)).toBe(1000 + 30_000 - WINDOW_SLACK_MS - 3000);
    expect(budget.confirmEndsBy(20_000, 1000)).toBe(23_000);
    expect(budget.confirmEndsBy(28_500, 1000)).toBe(30_000);
  });

  it('never lets a confirm run into the margin', () => {
    const budget = new Budget(0, 25_000, timing);

    expect(budget.confirmEndsBy(22_000, 0)).toBe(23_000);
  });
});
