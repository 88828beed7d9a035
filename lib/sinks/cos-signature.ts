// COS's own request signature (q-sign-algorithm=sha1), built by hand so the function ships a few
// lines instead of the official SDK. Pure: the same inputs give the same Authorization bytes.

import { createHash, createHmac } from 'node:crypto';

export interface CosSigningInput {
  secretId: string;
  secretKey: string;
  method: string;
  /** The object path as COS sees it, decoded, with its leading slash: `/events/x.json`. */
  path: string;
  /** Query parameters sent; all of them are signed. */
  query?: Record<string, string>;
  /** Headers sent that the signature covers; `host` must be among them. */
  headers: Record<string, string>;
  /** Unix seconds the signature is valid from and until (`q-sign-time`, `q-key-time`). */
  startTime: number;
  endTime: number;
}

/**
 * The Authorization header value for one request.
 *
 *   SignKey      = hex(HMAC-SHA1(secretKey, keyTime))
 *   HttpString   = method \n path \n params \n headers \n
 *   StringToSign = "sha1" \n signTime \n hex(SHA1(HttpString)) \n
 *   q-signature  = hex(HMAC-SHA1(SignKey, StringToSign))
 */
export function cosAuthorization(input: CosSigningInput): string {
  const time = `${input.startTime};${input.endTime}`;
  const params = canonicalPairs(input.query ?? {});
  const headers = canonicalPairs(input.headers);
  if (!headers.names.includes('host')) throw new Error('a COS signature must cover the host');

  const httpString = [input.method.toLowerCase(), input.path, params.text, headers.text, '']
    .join('\n');
  const stringToSign = ['sha1', time, sha1Hex(httpString), ''].join('\n');
  const signKey = hmacSha1Hex(input.secretKey, time);
  const signature = hmacSha1Hex(signKey, stringToSign);

  return [
    'q-sign-algorithm=sha1',
    `q-ak=${input.secretId}`,
    `q-sign-time=${time}`,
    `q-key-time=${time}`,
    `q-header-list=${headers.names.join(';')}`,
    `q-url-param-list=${params.names.join(';')}`,
    `q-signature=${signature}`,
  ].join('&');
}

/** The fields of an Authorization header, by name (`q-ak`, `q-signature`, ...). */
export function parseCosAuthorization(header: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of header.split('&')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  return fields;
}

/** Names lower-cased and encoded, sorted; each pair `name=encoded value`, joined with `&`. */
function canonicalPairs(pairs: Record<string, string>): { names: string[]; text: string } {
  const entries = Object.entries(pairs)
    .map(([name, value]) => [cosEncode(name).toLowerCase(), cosEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    names: entries.map(([name]) => name),
    text: entries.map(([name, value]) => `${name}=${value}`).join('&'),
  };
}

/** encodeURIComponent, plus the five characters it leaves alone that COS wants encoded. */
export function cosEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

function hmacSha1Hex(key: string, text: string): string {
  return createHmac('sha1', key).update(text, 'utf8').digest('hex');
}
