// Log lines: one JSON object each, secrets scrubbed wherever they appear.

import { describe, expect, it } from 'vitest';
import { VodError } from '../lib/errors';
import { createLogger, redact } from '../lib/log';

describe('logger', () => {
  it('writes one JSON object per line with the event name and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), fields: { requestId: 'r1' } });

    log.info('pulled', { count: 3 });

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({
      level: 'info',
      event: 'pulled',
      requestId: 'r1',
      count: 3,
    });
  });

  it('scrubs registered secrets from fields, messages and error causes', () => {
    const lines: string[] = [];
    const secret = 'sk-0123456789abcdef';
    const log = createLogger({ write: (l) => lines.push(l), secrets: [secret] });
    const cause = new Error(`upstream said key=${secret}`);

    log.error('pull_failed', {
      note: `with ${secret}`,
      error: new VodError('auth', `failed for ${secret}`, { action: 'PullEvents', cause }),
    });

    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain('***');
    expect(JSON.parse(lines[0] as string).error).toMatchObject({ name: 'VodError', kind: 'auth' });
  });

  it('drops lines below the level', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), level: 'warn' });

    log.info('quiet');
    log.warn('loud');

    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['loud']);
  });

  it('scrubs a secret quoted cut short, or escaped for HTML, JSON or a URL', () => {
    const secret = 'tok/en+with=chars&more%41TTTTTTTTTTTTTTTTTTTTTTT';
    const echoes = [
      `Token ${secret.slice(0, 20)}... invalid`,
      `<p>key ${secret.replace(/&/g, '&amp;')}</p>`,
      `url ?Token=${encodeURIComponent(secret)}`,
      `form Token=${new URLSearchParams({ s: secret }).toString().slice(2)}`,
    ];

    const scrubbed = echoes.map((echo) => redact(echo, [secret]));

    expect(scrubbed.join('\n')).not.toContain(secret.slice(0, 8));
    expect(scrubbed.join('\n')).not.toContain(encodeURIComponent(secret).slice(0, 8));
    expect(scrubbed[0]).toBe('Token ***... invalid');
  });

  it('leaves text that shares fewer than eight characters with a secret alone', () => {
    expect(redact('the token abcdefg is fine', ['abcdefgh-secret'])).toBe(
      'the token abcdefg is fine',
    );
  });
});
