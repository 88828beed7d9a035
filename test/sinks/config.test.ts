// The sink settings: choosing cos, mysql or postgres by environment, naming the variable that is
// wrong with an example, and keeping every secret out of messages and into the scrub list.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redact } from '../../lib/log';
import { loadConfig, loadSinkConfig, type Config } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { MysqlSink } from '../../lib/sinks/mysql';
import { SQL_SERVERS, runMigrate } from '../support/databases';

const VOD = { VOD_SECRET_ID: 'AKIDvodLOCALONLY', VOD_SECRET_KEY: 'vod-secret-key' };
const PG_URL = 'postgres://vod:pg-pass-w0rd@127.0.0.1:5432/vod';

/** A password holding every character a URL gives a meaning to, and one beyond ASCII. */
const AWKWARD_PASSWORD = 'p@ss/w:rd#1%?&=\u00e9';
const ENCODE_HINT =
  'percent-encode the password: @ : / # % ? & become %40 %3A %2F %23 %25 %3F %26';

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

  it('builds a postgres sink and puts its password, not its whole URL, on the scrub list', () => {
    const config = loadConfig({ ...VOD, SINK: 'postgres', SINK_POSTGRES_URL: PG_URL });
    const line = redact(`postgres unavailable at ${PG_URL}`, config.secrets);

    expect(config.sink).toMatchObject({ kind: 'postgres', url: PG_URL, poolSize: 2 });
    expect(config.secrets).toContain('pg-pass-w0rd');
    expect(config.secrets).not.toContain(PG_URL);
    expect(line).not.toContain('pg-pass-w0rd');
    expect(line.startsWith('postgres unavailable at postgres://')).toBe(true);
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

  it('asks to percent-encode a password with a bare %, naming the variable', () => {
    const env = { SINK: 'postgres', SINK_POSTGRES_URL: 'postgres://postgres:100%@127.0.0.1/db' };

    const message = problemsOf({ ...VOD, ...env });
    const forMigrate = problemsOfSink(env);

    expect(message).toMatch(/^SINK_POSTGRES_URL: .*percent-encode the password/m);
    expect(message).toContain(ENCODE_HINT);
    expect(message).toContain('Example: SINK_POSTGRES_URL=postgres://vod_drain:p%40ss%2Fw%3Ard');
    expect(message).not.toContain('100%');
    expect(forMigrate).toBe(message.split('\n').find((l) => l.startsWith('SINK_POSTGRES_URL')));
  });

  it('asks to percent-encode a password whose @ / # ? cut the URL short', () => {
    const broken = [
      'mysql://root:P@ss:w0rd/x@127.0.0.1:3306/db',
      'mysql://root:12/x@127.0.0.1:3306/db',
      'mysql://root:12#x@127.0.0.1:3306/db',
      'mysql://root:12?x@127.0.0.1:3306/db',
    ];

    const messages = broken.map((url) => mysqlProblems(url));

    for (const message of messages) {
      expect(message).toMatch(/^SINK_MYSQL_URL: .*percent-encode the password/m);
      expect(message).toContain(ENCODE_HINT);
      expect(message).toContain('Example: SINK_MYSQL_URL=mysql://vod_drain:p%40ss');
      expect(message).not.toContain('starting with mysql://');
      expect(message).not.toMatch(/P@ss|w0rd|12\/x|12#x|12\?x/);
    }
  });

  it('keeps a percent-encoded password with every special character intact', () => {
    const url = `postgres://vod:${encodeURIComponent(AWKWARD_PASSWORD)}@127.0.0.1:5432/vod`;

    const config = loadConfig({ ...VOD, SINK: 'postgres', SINK_POSTGRES_URL: url });

    expect(config.sink).toMatchObject({ kind: 'postgres', url });
    expect(config.secrets).toContain(AWKWARD_PASSWORD);
  });

  it('prints the problem, not a URIError, from npm run migrate', async () => {
    const url = 'postgres://postgres:100%@127.0.0.1:5432/db';

    const { code, out } = await runMigrate({ SINK: 'postgres', SINK_POSTGRES_URL: url });

    expect(code).toBe(1);
    expect(out).toContain('migrate_failed');
    expect(out).toContain('SINK_POSTGRES_URL: ');
    expect(out).toContain('percent-encode the password');
    expect(out).not.toContain('URIError');
    expect(out).not.toContain('100%');
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

const mysqlServer = SQL_SERVERS.mysql;
const mysqlSkip = await mysqlServer.unavailable();

describe.skipIf(mysqlSkip !== undefined)('a percent-encoded password on a real server', () => {
  it('connects and migrates as a user whose password holds every special character', async () => {
    const adminUrl = await mysqlServer.createDatabase();
    const database = new URL(adminUrl).pathname.slice(1);
    const user = `vod_drain_t_${randomBytes(6).toString('hex')}`;
    await mysqlServer.query(adminUrl, 'CREATE USER ?@? IDENTIFIED BY ?', [
      user,
      '%',
      AWKWARD_PASSWORD,
    ]);
    try {
      await mysqlServer.query(adminUrl, `GRANT ALL ON ${database}.* TO ?@?`, [user, '%']);
      const at = new URL(adminUrl);
      const url = `mysql://${user}:${encodeURIComponent(AWKWARD_PASSWORD)}@${at.host}/${database}`;
      const { sink: config } = loadSinkConfig({ SINK: 'mysql', SINK_MYSQL_URL: url });
      if (config.kind !== 'mysql') throw new Error(`expected mysql, got ${config.kind}`);
      const sink = new MysqlSink(config);

      const applied = await sink.migrate(AbortSignal.timeout(5000)).finally(() => sink.close());

      expect(applied).toEqual([1]);
    } finally {
      await mysqlServer.query(adminUrl, 'DROP USER IF EXISTS ?@?', [user, '%']);
      await mysqlServer.dropDatabase(adminUrl);
    }
  });
});

function mysqlProblems(url: string): string {
  return problemsOf({ ...VOD, SINK: 'mysql', SINK_MYSQL_URL: url });
}

/** The problems `npm run migrate` reads from the sink's variables alone. */
function problemsOfSink(env: Record<string, string>): string {
  try {
    loadSinkConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function cosCredentials(config: Config) {
  if (config.sink.kind !== 'cos') throw new Error(`expected cos, got ${config.sink.kind}`);
  return config.sink.credentials;
}
