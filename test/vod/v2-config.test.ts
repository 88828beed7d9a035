// The settings that choose and shape the v2 dialect, read from the environment.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { createVodClient } from '../../lib/vod';

const KEYS = { VOD_SECRET_ID: 'AKIDtest', VOD_SECRET_KEY: 'secret-key-value' };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig({ ...KEYS, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('v2 settings', () => {
  it('keeps API 3.0 the default dialect', () => {
    const { vod } = loadConfig(KEYS);

    expect(vod.api).toBe('api3');
    expect(createVodClient(vod).dialect).toBe('api3');
  });

  it("defaults to the specification's action names and HmacSHA1", () => {
    const env = { ...KEYS, VOD_API: 'v2', VOD_ENDPOINT: 'http://127.0.0.1:9100/v2/index.php' };

    const { vod } = loadConfig(env);

    expect(vod.v2).toEqual({
      actions: { pull: 'PullVodEvent', confirm: 'ConfirmVodEvent' },
      signatureMethod: 'HmacSHA1',
    });
    expect(createVodClient(vod).dialect).toBe('v2');
  });

  it('switches to PullEvent/ConfirmEvent and HmacSHA256 when told', () => {
    const { vod } = loadConfig({
      ...KEYS,
      VOD_API: 'v2',
      VOD_ENDPOINT: 'http://127.0.0.1:9100/v2/index.php',
      VOD_V2_ACTIONS: 'PullEvent',
      VOD_V2_SIGNATURE_METHOD: 'HmacSHA256',
    });

    expect(vod.v2.actions).toEqual({ pull: 'PullEvent', confirm: 'ConfirmEvent' });
    expect(vod.v2.signatureMethod).toBe('HmacSHA256');
  });

  it('requires VOD_ENDPOINT for v2, whose public endpoint is switched off', () => {
    expect(problemsOf({ VOD_API: 'v2' })).toMatch(/^VOD_ENDPOINT: is required with VOD_API=v2/);
  });

  it('adds /v2/index.php to an endpoint given without a path, and keeps a given path', () => {
    const bare = loadConfig({ ...KEYS, VOD_API: 'v2', VOD_ENDPOINT: 'http://127.0.0.1:9100' });
    const own = loadConfig({ ...KEYS, VOD_API: 'v2', VOD_ENDPOINT: 'http://127.0.0.1:9100/vod/' });

    expect(bare.vod.endpoint.href).toBe('http://127.0.0.1:9100/v2/index.php');
    expect(own.vod.endpoint.href).toBe('http://127.0.0.1:9100/vod/');
  });

  it('names the variable and the allowed values when a setting is wrong', () => {
    const message = problemsOf({
      VOD_API: 'v3',
      VOD_V2_ACTIONS: 'Pull',
      VOD_V2_SIGNATURE_METHOD: 'md5',
    });

    expect(message).toContain('VOD_API: must be api3 or v2');
    expect(message).toContain('VOD_V2_ACTIONS: must be PullVodEvent or PullEvent');
    expect(message).toContain('VOD_V2_SIGNATURE_METHOD: must be HmacSHA1 or HmacSHA256');
  });

  it('accepts the short region names v2 deployments use', () => {
    const endpoint = 'http://127.0.0.1:9100';
    const env = { ...KEYS, VOD_API: 'v2', VOD_ENDPOINT: endpoint, VOD_REGION: 'gz' };

    expect(loadConfig(env).vod.region).toBe('gz');
  });
});
