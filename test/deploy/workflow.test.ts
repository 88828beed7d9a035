// The CI workflow deploys the way this repository proves it locally, and keeps secrets out of
// its logs: checked as text, since GitHub Actions cannot run here.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../lib/config';

const ROOT = resolve(__dirname, '../..');
const WORKFLOW = readFileSync(resolve(ROOT, '.github/workflows/deploy.yml'), 'utf8');
const TEMPLATE = readFileSync(resolve(ROOT, 'serverless.yml'), 'utf8');
const COMMANDS = WORKFLOW.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');

describe('.github/workflows/deploy.yml', () => {
  it('deploys on pushes to main', () => {
    expect(WORKFLOW).toMatch(/on:\n\s+push:\n\s+branches: \[main\]/);
  });

  it('installs, tests and builds before it deploys with the local s', () => {
    const order = ['npm ci', 'npm test', 'npm run build:deploy', './node_modules/.bin/s deploy'];
    const positions = order.map((step) => COMMANDS.indexOf(step));

    expect(positions.every((at) => at >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(COMMANDS).toContain('./node_modules/.bin/s deploy -t serverless.yml');
  });

  it('never uses what prints secrets or hides a failed deploy', () => {
    expect(COMMANDS).not.toMatch(/npx s\b/);
    expect(COMMANDS).not.toMatch(/\bs preview\b|\bpreview\b/);
    expect(COMMANDS).not.toMatch(/\s(-o|--output-format)\b/);
    expect(COMMANDS).not.toMatch(/set -x|--debug/);
  });

  it('keeps s quiet and offline but for the deploy itself', () => {
    expect(WORKFLOW).toMatch(/SERVERLESS_DEVS_CICD: '1'/);
    expect(WORKFLOW).toContain("printf 'analysis: disable\\n'");
  });

  it('takes secrets only into environment variables, never into a command line', () => {
    const secretLines = COMMANDS.split('\n').filter((line) => line.includes('secrets.'));

    // The deploying key's three parts, and the two database URLs the function needs.
    expect(secretLines.length).toBe(5);
    for (const line of secretLines) {
      expect(line).toMatch(/^\s+[A-Z_]+: \$\{\{ secrets\.[A-Z_]+ \}\}$/);
    }
  });

  it('passes every variable serverless.yml reads, but the stand-in endpoint', () => {
    const read = [...TEMPLATE.matchAll(/\$\{env\('([A-Z_]+)'/g)].map((m) => m[1])
      .filter((name) => name !== 'DEPLOY_SCF_ENDPOINT');

    expect(read.length).toBeGreaterThan(10);
    for (const name of read) expect(WORKFLOW, name).toMatch(new RegExp(`\\n\\s+${name}: `));
    for (const name of read.filter((n) => VARIABLES[n as keyof typeof VARIABLES]?.secret)) {
      expect(WORKFLOW, name).toContain(`${name}: \${{ secrets.${name} }}`);
    }
    expect(WORKFLOW).not.toContain('DEPLOY_SCF_ENDPOINT');
  });
});
