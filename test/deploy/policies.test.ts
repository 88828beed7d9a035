// The CAM policies grant what the code uses and nothing more: the deployer exactly the SCF
// actions the component calls, the run role the three VOD actions and object writes.

import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

interface Statement {
  effect: string;
  action: string[];
  resource?: string[];
  principal?: unknown;
}

function policy(name: string): Statement[] {
  const parsed = JSON.parse(readFileSync(join(ROOT, 'policies', name), 'utf8')) as {
    version: string;
    statement: Statement[];
  };
  expect(parsed.version).toBe('2.0');
  return parsed.statement;
}

const actions = (statements: Statement[]) => statements.flatMap((s) => s.action)
  .map((a) => a.replace(/^name\//, ''));

/** The CAM action each HTTP method of the COS sink needs. */
const COS_ACTION_OF: Record<string, string> = { HEAD: 'cos:HeadObject', PUT: 'cos:PutObject' };

/** Every SCF action the deploy component calls, read from its source. */
function actionsCalled(): string[] {
  const dir = join(ROOT, 'deploy/component');
  const source = readdirSync(dir).map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
  const names = [...source.matchAll(/\.call\(\s*'([A-Za-z]+)'/g)].map((m) => m[1] ?? '');
  return [...new Set(names)].sort();
}

describe('the CAM policies', () => {
  it('let the deployer call exactly the SCF actions the component calls', () => {
    const scf = actions(policy('deployer.json')).filter((a) => a.startsWith('scf:'));

    expect(actionsCalled().length).toBeGreaterThan(5);
    expect(scf.sort()).toEqual(actionsCalled().map((a) => `scf:${a}`));
  });

  it('scope the deployer to one function and the run role it binds', () => {
    const resources = policy('deployer.json').flatMap((s) => s.resource ?? []);

    expect(resources).toEqual([
      'qcs::scf:<REGION>:uin/<OWNER_UIN>:namespace/<NAMESPACE>/function/<FUNCTION_NAME>',
      'qcs::cam::uin/<OWNER_UIN>:roleName/<RUN_ROLE>',
    ]);
  });

  it('let the run role pull, confirm and count events, and write objects under a prefix', () => {
    const statements = policy('run-role.json');

    expect(actions(statements).sort()).toEqual([
      'cos:HeadObject',
      'cos:PutObject',
      'vod:ConfirmEvents',
      'vod:DescribeEventsState',
      'vod:PullEvents',
    ]);
    const cos = statements.find((s) => s.action.some((a) => a.includes('cos:')));
    expect(cos?.resource)
      .toEqual(['qcs::cos:<COS_REGION>:uid/<APPID>:<BUCKET>-<APPID>/<PREFIX>*']);
  });

  it('let the run role make every COS request the sink sends', () => {
    const source = readFileSync(resolve(ROOT, 'lib/sinks/cos.ts'), 'utf8');
    const methods = new Set([...source.matchAll(/this\.send\('([A-Z]+)'/g)].map((m) => m[1]));
    const needed = [...methods].map((method) => COS_ACTION_OF[method as string]);

    expect(methods.size).toBeGreaterThan(0);
    expect(needed).not.toContain(undefined);
    for (const action of needed) expect(actions(policy('run-role.json'))).toContain(action);
  });

  it('use no wildcard action and allow only', () => {
    for (const name of ['deployer.json', 'run-role.json', 'run-role-trust.json']) {
      for (const statement of policy(name)) {
        expect(statement.effect, name).toBe('allow');
        for (const action of statement.action) expect(action, name).not.toContain('*');
      }
    }
  });

  it('let only SCF assume the run role', () => {
    expect(policy('run-role-trust.json')).toEqual([{
      effect: 'allow',
      action: ['name/sts:AssumeRole'],
      principal: { service: ['scf.qcloud.com'] },
    }]);
  });
});
