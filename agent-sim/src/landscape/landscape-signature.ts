import { createHmac } from 'node:crypto';

/** RFC 3986 encoding as Landscape's signature v2 requires (encodeURIComponent leaves !'()* unescaped). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Landscape legacy API signature v2 (vendor-contracts.md §4): base64(HMAC-SHA256(secret, VERB\nhost\npath\ncanonical query)),
 * host lower-cased, parameters sorted by name, RFC 3986 encoded, `&`-joined, the `signature` parameter excluded.
 */
export function landscapeSignature(secret: string, verb: string, host: string, path: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(params[k]!)}`)
    .join('&');
  return createHmac('sha256', secret).update(`${verb.toUpperCase()}\n${host.toLowerCase()}\n${path}\n${canonical}`).digest('base64');
}
