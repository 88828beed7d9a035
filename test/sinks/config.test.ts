// The sink settings: choosing cos, mysql or postgres by environment, naming the variable that is
// wrong with an example, and keeping every secret out of messages and into the scrub list.

import { describe, expect, it } from 'vitest';
import { loadConfig, loadSinkConfig, type Config } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const VOD = { VOD_SECRET_ID: 'AKIDvodLOCALONLY', VOD_SECRET_KEY: 'vod-secret-key' };
const PG_URL = 'postgres://vod:pg-pass-w0rd@127.0.0.1:5432/vod';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('sink configuration', () => {
  it('builds a cos sink aimed at the virtual-hosted bucket when no endpoint is given', () => {
    const config = loadConfig({
      ...VOD,
      SINK: 'cos',
      SINK_COS_BUCKET: 'vod-events-1250000000',
      SINK_COS_REGION: 'ap-guangzhou',
      SINK_COS_PREFIX: 'vod/events',
    });

    expect(config.sink).toMatchObject({
      kind: 'cos',
      prefix: 'vod/events/',
      endpoint: new URL('https://vod-events-1250000000.cos.ap-guangzhou.myqcloud.com'),
    });
  });

  it('prefers explicit COS keys, then the run role keys with their token', () => {
    const base = { ...VOD, SINK: 'cos', SINK_COS_BUCKET: 'b-1', SINK_COS_REGION: 'ap-beijing' };
    const role = {
      TENCENTCLOUD_SECRETID: 'AKIDroleLOCALONLY',
      TENCENTCLOUD_SECRETKEY: 'role-secret-key',
      TENCENTCLOUD_SESSIONTOKEN: 'role-session-token',
    };

    const explicit = loadConfig({
      ...base,
      ...role,
      SINK_COS_SECRET_ID: 'AKIDcosLOCALONLY',
      SINK_COS_SECRET_KEY: 'cos-secret-key',
    });
    const fromRole = loadConfig({ ...base, ...role });

    expect(cosCredentials(explicit)).toMatchObject({
      secretId: 'AKIDcosLOCALONLY',
      token: undefined,
    });
    expect(cosCredentials(fromRole)).toMatchObject({
      secretId: 'AKIDroleLOCALONLY',
      token: 'role-session-token',
      source: 'run_role',
    });
    expect(explicit.secrets).toContain('cos-secret-key');
    expect(fromRole.secrets).toContain('role-session-token');
  });

  it('names the missing COS variables with examples', () => {
    const message = problemsOf({ ...VOD, SINK: 'cos' });

    expect(message).toContain('SINK_COS_BUCKET: is required with SINK=cos');
    expect(message).toContain('Example: SINK_COS_BUCKET=vod-events-1250000000');
    expect(message).toContain('SINK_COS_REGION: is required with SINK=cos');
  });

  it('refuses a prefix that could climb out of its place', () => {
    const message = problemsOf({
      ...VOD,
      SINK: 'cos',
      SINK_COS_BUCKET: 'b-1',
      SINK_COS_REGION: 'ap-beijing',
      SINK_COS_PREFIX: 'events/../../other',
    });

    expect(message).toMatch(/^SINK_COS_PREFIX: must be path segments/m);
  });

  it('builds a postgres sink and puts its URL and password on the scrub list', () => {
    const config = loadConfig({ ...VOD, SINK: 'postgres', SINK_POSTGRES_URL: PG_URL });

    expect(config.sink).toMatchObject({ kind: 'postgres', url: PG_URL, poolSize: 2 });
    expect(config.secrets).toEqual(expect.arrayContaining([PG_URL, 'pg-pass-w0rd']));
  });

  it('never echoes a database URL in the message about it', () => {
    const message = problemsOf({
      ...VOD,
      SINK: 'mysql',
      SINK_MYSQL_URL: 'postgres://vod:my-pass-w0rd@127.0.0.1/vod',
    });

    expect(message).toContain('SINK_MYSQL_URL: must be a URL starting with mysql://');
    expect(message).not.toContain('my-pass-w0rd');
  });

  it('names the missing URL of the chosen SQL sink', () => {
    const message = problemsOf({ ...VOD, SINK: 'mysql' });

    expect(message).toContain('SINK_MYSQL_URL: is required with SINK=mysql');
  });

  it('refuses database timeouts that do not fit inside the write time', () => {
    const message = problemsOf({
      ...VOD,
      SINK: 'postgres',
      SINK_POSTGRES_URL: PG_URL,
      DRAIN_WRITE_TIMEOUT_MS: '3000',
      SINK_SQL_QUERY_TIMEOUT_MS: '3000',
    });

    expect(message).toContain('SINK_SQL_QUERY_TIMEOUT_MS: must be below DRAIN_WRITE_TIMEOUT_MS');
    expect(message).toContain('Example: SINK_SQL_QUERY_TIMEOUT_MS=1000');
  });

  it('still refuses the fs sink on SCF, and allows the durable ones there', () => {
    const scf = { ...VOD, TENCENTCLOUD_RUNENV: 'SCF' };

    expect(problemsOf({ ...scf, SINK: 'fs' })).toContain('the fs sink is refused on SCF');
    expect(loadConfig({ ...scf, SINK: 'postgres', SINK_POSTGRES_URL: PG_URL }).sink.kind)
      .toBe('postgres');
  });

  it('reads the sink alone for npm run migrate, without VOD credentials', () => {
    const { sink, secrets } = loadSinkConfig({ SINK: 'postgres', SINK_POSTGRES_URL: PG_URL });

    expect(sink.kind).toBe('postgres');
    expect(secrets).toContain('pg-pass-w0rd');
  });
});

function cosCredentials(config: Config) {
  if (config.sink.kind !== 'cos') throw new Error(`expected cos, got ${config.sink.kind}`);
  return config.sink.credentials;
}
