// serverless.yml against the facts it must respect: settings the function knows, no literal
// secrets, SCF's limits, and a timeout sized from the drain's own default cycle.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Props } from '../../deploy/component/props';
import { VARIABLES } from '../../lib/config';

const TEXT = readFileSync(resolve(__dirname, '../../serverless.yml'), 'utf8');
const LINES = TEXT.split('\n').filter((line) => !/^\s*(#|$)/.test(line));

/** `key: value` lines directly under the block `name:` (one nesting level, as the file has). */
function block(name: string): Map<string, string> {
  const start = LINES.findIndex((line) => line.trim() === `${name}:`);
  if (start < 0) throw new Error(`serverless.yml has no ${name} block`);
  const indent = LINES[start]!.search(/\S/);

  const entries = new Map<string, string>();
  for (const line of LINES.slice(start + 1)) {
    if (line.search(/\S/) <= indent) break;
    const match = /^\s*([A-Za-z0-9_]+):\s*(.*)$/.exec(line);
    if (match) entries.set(match[1]!, match[2]!.replace(/^'(.*)'$/, '$1'));
  }
  return entries;
}

/** The only secrets the function needs that no run role can give: they hold a password. */
const DATABASE_URLS = ['SINK_MYSQL_URL', 'SINK_POSTGRES_URL'];

const props = block('props');
const environment = block('environment');

/** The default of a variable, as the function would read it with nothing set. */
function defaultOf(name: keyof typeof VARIABLES): number {
  return Number(VARIABLES[name].schema.parse(undefined));
}

describe('serverless.yml', () => {
  it('sets only variables the function declares, each from the variable of the same name', () => {
    expect(environment.size).toBeGreaterThan(0);

    for (const [key, value] of environment) {
      expect(Object.keys(VARIABLES), key).toContain(key);
      expect(value, key).toBe(`\${env('${key}', '')}`);
    }
  });

  it('gives the function no key its run role provides and no test-only setting', () => {
    const secrets = Object.entries(VARIABLES)
      .filter(([, spec]) => 'secret' in spec && spec.secret)
      .map(([name]) => name);
    const fromRunRole = secrets.filter((name) => !DATABASE_URLS.includes(name));

    expect(fromRunRole.length).toBeGreaterThan(0);
    for (const name of [...fromRunRole, 'SINK_FAULTS', 'VOD_HANDLE_WINDOW_MS']) {
      expect(environment.has(name), name).toBe(false);
    }
  });

  it('gives the function database URLs only from the environment, never literally', () => {
    for (const name of DATABASE_URLS) {
      expect(VARIABLES[name as keyof typeof VARIABLES].secret, name).toBe(true);
      expect(environment.get(name), name).toBe(`\${env('${name}', '')}`);
    }
  });

  it('runs Node.js 20 with the bundle handler', () => {
    expect(props.get('runtime')).toBe('Nodejs20.19');
    expect(props.get('handler')).toBe('index.main_handler');
    expect(props.get('code')).toBe('./dist/index.js');
  });

  it('fires every minute with a seven-field cron', () => {
    expect(block('trigger').get('cron')).toBe('0 */1 * * * * *');
  });

  it('sets a timeout of at least two default cycles, below the one-minute interval', () => {
    const cycleMs = defaultOf('VOD_PULL_TIMEOUT_MS') + defaultOf('DRAIN_WRITE_TIMEOUT_MS')
      + defaultOf('VOD_CONFIRM_TIMEOUT_MS') + defaultOf('DRAIN_MARGIN_MS');
    const timeoutMs = Number(props.get('timeout')) * 1000;

    expect(cycleMs).toBe(23_000);
    expect(timeoutMs).toBeGreaterThanOrEqual(2 * cycleMs);
    expect(timeoutMs).toBeLessThan(60_000);
  });

  it('passes the component check for its fixed settings', () => {
    const parsed = Props.safeParse({
      region: 'ap-guangzhou',
      functionName: 'vod-drain',
      runtime: props.get('runtime'),
      handler: props.get('handler'),
      code: props.get('code'),
      timeout: props.get('timeout'),
      memorySize: props.get('memorySize'),
      trigger: { name: block('trigger').get('name'), cron: block('trigger').get('cron') },
    });

    expect(parsed.success).toBe(true);
  });
});
