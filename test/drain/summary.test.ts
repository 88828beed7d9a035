// The run summary: pure accumulation.

import { describe, expect, it } from 'vitest';
import { SummaryBuilder } from '../../lib/drain/summary';

const labels = { requestId: 'r', dialect: 'api3', sink: 'fs' };

describe('run summary', () => {
  it('counts types as their keys spell them, so an unsafe type never reaches a log', () => {
    const summary = new SummaryBuilder(labels, 0);

    summary.addType('ConcatComplete/1400-1');
    summary.addType('ConcatComplete/1400-2');
    summary.addType('unsafe-type-0123456789abcdef/sha256-ff');

    expect(summary.finish(10).byType).toEqual({
      ConcatComplete: 2,
      'unsafe-type-0123456789abcdef': 1,
    });
  });

  it('names at most 32 types and counts the rest as other', () => {
    const summary = new SummaryBuilder(labels, 0);

    for (let i = 0; i < 40; i++) summary.addType(`Type${i}/id`);
    summary.addType('Type0/again');

    const byType = summary.finish(10).byType;
    expect(Object.keys(byType)).toHaveLength(33);
    expect(byType.other).toBe(8);
    expect(byType.Type0).toBe(2);
  });

  it('keeps the first stop reason given', () => {
    const summary = new SummaryBuilder(labels, 0);

    summary.stop('deadline', 'first');
    summary.stop('drained');

    expect(summary.finish(5)).toMatchObject({ stopReason: 'deadline', stopDetail: 'first' });
  });
});
