// The v1 signature of the legacy dialect, as pure functions: the contract's known answer, a
// SHA-256 answer computed with openssl, and the parameters one request is signed with.

import { describe, expect, it } from 'vitest';
import { signRequest, signature, stringToSign } from '../../lib/vod/v2/sign';

const KEY = 'Gu5t9xGARNpq86cd98joQYCN3Cozk1qA';

/** The contract's example request, deliberately given out of order. */
const EXAMPLE = {
  offset: '0',
  limit: '20',
  'instanceIds.0': 'ins-09dx96dg',
  Timestamp: '1465185768',
  SecretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA',
  Region: 'gz',
  Nonce: '11886',
  Action: 'DescribeInstances',
};

const EXAMPLE_STRING = 'GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=11886'
  + '&Region=gz&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&Timestamp=1465185768'
  + '&instanceIds.0=ins-09dx96dg&limit=20&offset=0';

describe('v1 signature', () => {
  it('reproduces the known-answer string and HmacSHA1 signature exactly', () => {
    const text = stringToSign('GET', 'cvm.api.qcloud.com', '/v2/index.php', EXAMPLE);

    expect(text).toBe(EXAMPLE_STRING);
    expect(signature(KEY, text, 'HmacSHA1')).toBe('NSI3UqqD99b/UJb4tbG/xZpRW64=');
  });

  it('signs with HmacSHA256 when asked, SignatureMethod included in the string', () => {
    const params = { ...EXAMPLE, SignatureMethod: 'HmacSHA256' };

    const text = stringToSign('get', 'cvm.api.qcloud.com', '/v2/index.php', params);

    // From: printf '%s' "$text" | openssl dgst -sha256 -hmac "$KEY" -binary | base64
    expect(text).toContain('&SignatureMethod=HmacSHA256&Timestamp=');
    expect(signature(KEY, text, 'HmacSHA256'))
      .toBe('PSWUwVv4TfW2sQP1FT9KbbLjIZ9bmK8f1cL6fbpf3KI=');
  });

  it('leaves Signature out of the string and values unencoded', () => {
    const text = stringToSign('POST', 'h', '/p', { b: 'x y/+=', a: '1', Signature: 'old' });

    expect(text).toBe('POSTh/p?a=1&b=x y/+=');
  });
});

describe('signRequest', () => {
  const url = new URL('http://127.0.0.1:9100/v2/index.php');
  const key = { secretId: 'AKIDtest', secretKey: 'secret-key', token: 'session-token' };
  const request = {
    method: 'POST',
    url,
    action: 'PullVodEvent',
    params: { SubAppId: '1500000001' },
    key,
    signatureMethod: 'HmacSHA1' as const,
  };

  it('adds the common parameters and signs the host with its port, Token included', () => {
    const params = signRequest({ ...request, nowMs: 1_700_000_000_500 });
    const { Signature, ...rest } = params;

    expect(rest).toMatchObject({
      Action: 'PullVodEvent',
      SubAppId: '1500000001',
      SecretId: 'AKIDtest',
      Token: 'session-token',
      Timestamp: '1700000000',
    });
    expect(Number(rest.Nonce)).toBeGreaterThan(0);
    expect(rest).not.toHaveProperty('SignatureMethod');
    const text = stringToSign('POST', '127.0.0.1:9100', '/v2/index.php', rest);
    expect(Signature).toBe(signature('secret-key', text, 'HmacSHA1'));
  });

  it('names SignatureMethod only for HmacSHA256, and signs with it', () => {
    const params = signRequest({ ...request, signatureMethod: 'HmacSHA256' });
    const { Signature, ...rest } = params;

    expect(rest.SignatureMethod).toBe('HmacSHA256');
    const text = stringToSign('POST', '127.0.0.1:9100', '/v2/index.php', rest);
    expect(Signature).toBe(signature('secret-key', text, 'HmacSHA256'));
  });

  it('draws a fresh Nonce for every request', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => signRequest(request).Nonce));

    expect(nonces.size).toBe(50);
  });
});
