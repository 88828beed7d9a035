// The configuration reference stays what lib/config.ts says: the README table and .env.example
// are regenerated here and compared with the committed files.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../lib/config';
import {
  ENV_EXAMPLE,
  README,
  renderEnvExample,
  renderTable,
  spliceReadme,
} from '../scripts/config-reference';

describe('the configuration reference', () => {
  it('in README.md matches the schema (run npm run config-reference if not)', () => {
    const readme = readFileSync(README, 'utf8');

    expect(spliceReadme(readme)).toBe(readme);
  });

  it('in .env.example matches the schema (run npm run config-reference if not)', () => {
    expect(readFileSync(ENV_EXAMPLE, 'utf8')).toBe(renderEnvExample());
  });

  it('has one row per variable, in the order they are declared', () => {
    const names = [...renderTable().matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);

    expect(names).toEqual(Object.keys(VARIABLES));
  });

  it('shows no example value for a secret variable', () => {
    const secretExamples = Object.values(VARIABLES)
      .filter((spec) => 'secret' in spec && spec.secret)
      .map((spec) => spec.example);

    expect(secretExamples.length).toBeGreaterThan(0);
    for (const example of secretExamples) {
      expect(renderTable()).not.toContain(example);
      expect(renderEnvExample()).not.toContain(example);
    }
  });

  it('notices a stale row between the markers', () => {
    const readme = readFileSync(README, 'utf8');
    const stale = readme.replace('| `LOG_LEVEL` |', '| `LOG_LEVELS` |');

    expect(stale).not.toBe(readme);
    expect(spliceReadme(stale)).toBe(readme);
  });
});
