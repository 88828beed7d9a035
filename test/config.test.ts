// Configuration: every problem names its variable, says what is wrong and how to fix it, and
// never echoes a secret.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config';
import { ConfigError } from '../lib/errors';

const base = { VOD_SECRET_ID: 'AKIDexample', VOD_SECRET_KEY: 'very-secret-key-value' };

function problemsOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('fills every default for a minimal environment', () => {
    const config = loadConfig(base);

    expect(config.vod).toMatchObject({
      api: 'api3',
      pullTimeoutMs: 10_000,
      handleWindowMs: 30_000,
      subAppIds: [undefined],
    });
    expect(config.vod.endpoint.href).toBe('https://vod.tencentcloudapi.com/');
    expect(config.drain).toMatchObject({ stopWhen: 'empty', pullers: 1 });
    expect(config.sink).toMatchObject({ kind: 'fs', dir: './vod-events' });
  });

  it.each(['5000', '3000', '1'])('refuses a pull timeout of %s ms, naming the variable', (ms) => {
    const error = problemsOf({ ...base, VOD_PULL_TIMEOUT_MS: ms });

    expect(error.problems).toHaveLength(1);
    expect(error.message).toMatch(/^VOD_PULL_TIMEOUT_MS: must be more than 5000/);
    expect(error.message).toContain('Example: VOD_PULL_TIMEOUT_MS=10000');
  });

  it('accepts a pull timeout just above the server hold', () => {
    expect(loadConfig({ ...base, VOD_PULL_TIMEOUT_MS: '5001' }).vod.pullTimeoutMs).toBe(5001);
  });

  it.each([
    ['VOD_API', 'v9'],
    ['VOD_ENDPOINT', 'not a url'],
    ['VOD_REGION', 'Guangzhou!'],
    ['VOD_SUB_APP_IDS', '150000,abc'],
    ['VOD_CONFIRM_TIMEOUT_MS', 'soon'],
    ['DRAIN_STOP_WHEN', 'never'],
    ['DRAIN_PULLERS', '0'],
    ['DRAIN_MARGIN_MS', '-5'],
    ['DRAIN_MARGIN_MS', '0'],
    ['VOD_PULL_TIMEOUT_MS', '1e4'],
    ['VOD_PULL_TIMEOUT_MS', '0x2710'],
    ['VOD_SUB_APP_IDS', '1500000001,1500000001'],
    ['SINK', 'floppy'],
    ['SINK_FS_ALLOW_ON_SCF', 'maybe'],
    ['SINK_FAULTS', '{not json'],
    ['LOG_LEVEL', 'loud'],
  ])('names %s when it holds %j', (variable, value) => {
    const error = problemsOf({ ...base, [variable]: value });

    expect(error.problems.map((p) => p.variable)).toEqual([variable]);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('reports every bad variable at once', () => {
    const error = problemsOf({ ...base, DRAIN_PULLERS: 'x', LOG_LEVEL: 'loud' });

    expect(error.problems.map((p) => p.variable).sort()).toEqual(['DRAIN_PULLERS', 'LOG_LEVEL']);
  });

  it('asks for credentials by name when there are none', () => {
    const error = problemsOf({});

    expect(error.problems[0]?.variable).toBe('VOD_SECRET_ID');
    expect(error.message).toContain('TENCENTCLOUD_SECRETID');
  });

  it("prefers the SCF run role's temporary keys over configured ones", () => {
    const config = loadConfig({
      ...base,
      TENCENTCLOUD_SECRETID: 'AKIDrole',
      TENCENTCLOUD_SECRETKEY: 'role-secret-key',
      TENCENTCLOUD_SESSIONTOKEN: 'role-session-token',
    });

    expect(config.vod.credentials).toMatchObject({ secretId: 'AKIDrole', source: 'run_role' });
    expect(config.secrets).toEqual(['role-secret-key', 'role-session-token']);
  });

  it('never echoes a secret in a configuration error', () => {
    const error = problemsOf({ ...base, VOD_SESSION_TOKEN: '', DRAIN_PULLERS: 'oops' });

    expect(error.message).not.toContain(base.VOD_SECRET_KEY);
  });

  it('refuses the fs sink on SCF unless explicitly allowed', () => {
    const onScf = { ...base, TENCENTCLOUD_RUNENV: 'SCF' };

    expect(problemsOf(onScf).problems[0]).toMatchObject({ variable: 'SINK' });
    expect(problemsOf(onScf).message).toContain('SINK_FS_ALLOW_ON_SCF=true');
    expect(loadConfig({ ...onScf, SINK_FS_ALLOW_ON_SCF: 'true' }).sink.kind).toBe('fs');
  });

  it('refuses sink fault injection on SCF', () => {
    const env = {
      ...base,
      TENCENTCLOUD_RUNENV: 'scf',
      SINK_FS_ALLOW_ON_SCF: 'true',
      SINK_FAULTS: '[{"fault":"fail_write"}]',
    };

    expect(problemsOf(env).problems.map((p) => p.variable)).toEqual(['SINK_FAULTS']);
  });

  it('reads a list of sub-applications, one lane each', () => {
    const config = loadConfig({ ...base, VOD_SUB_APP_IDS: '1500000001, 1500000002' });

    expect(config.vod.subAppIds).toEqual([1500000001, 1500000002]);
  });

  it('refuses a confirm timeout that leaves no room in the handle window', () => {
    const error = problemsOf({
      ...base,
      VOD_HANDLE_WINDOW_MS: '3000',
      VOD_CONFIRM_TIMEOUT_MS: '2500',
    });

    expect(error.problems[0]?.variable).toBe('VOD_CONFIRM_TIMEOUT_MS');
  });

  it('reads LOG_LEVEL without regard to case', () => {
    expect(loadConfig({ ...base, LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
  });
});
