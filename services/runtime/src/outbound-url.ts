import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { InputError } from '@eucora/core';

/** A resolved address as `dns.lookup` returns it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/**
 * Operator policy for URLs that EUCORA calls on behalf of a tenant (connector planes, artifact sources, webhooks).
 * Entries are `host`, `IP`, `CIDR`, `[IPv6]` or `[IPv6/len]`, each optionally followed by `:port` or `:lo-hi`.
 */
export interface OutboundPolicy {
  /** Entries where plain `http:` is allowed; default none (https only). */
  allowHttp: readonly string[];
  /** Entries whose private/loopback/link-local addresses may be called; default none. */
  allowPrivate: readonly string[];
  /** Resolves a hostname to every address; default `dns.lookup(host, { all: true })`. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

/** Builds a policy from the two comma-separated settings (`EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS`, `EUCORA_OUTBOUND_ALLOW_HOSTS`). */
export function outboundPolicyFrom(
  allowHttp: string | readonly string[] = [],
  allowPrivate: string | readonly string[] = [],
): OutboundPolicy {
  const list = (v: string | readonly string[]) => (typeof v === 'string' ? v.split(',') : v).map((s) => s.trim()).filter(Boolean);
  return { allowHttp: list(allowHttp), allowPrivate: list(allowPrivate) };
}

// Everything that is not the public internet: RFC 6890 special-purpose ranges plus cloud metadata endpoints.
// One list per family: a BlockList matches IPv4 addresses against IPv6 rules through their mapped form (::ffff:0:0/96).
const NON_PUBLIC_V4 = new BlockList();
const NON_PUBLIC_V6 = new BlockList();
for (const [net, len] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC_V4.addSubnet(net, len, 'ipv4');
for (const [net, len] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  NON_PUBLIC_V6.addSubnet(net, len, 'ipv6');

/** True when `address` is loopback, private, link-local, CGNAT, ULA, IPv4-mapped, metadata, multicast or reserved. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return family === 4 ? NON_PUBLIC_V4.check(address, 'ipv4') : NON_PUBLIC_V6.check(address, 'ipv6');
}

interface Entry {
  host?: string;
  net?: BlockList;
  family?: number;
  ports?: [number, number];
}

const entryCache = new Map<string, Entry>();

function parseEntry(raw: string): Entry {
  const cached = entryCache.get(raw);
  if (cached) return cached;
  let target = raw.trim().toLowerCase();
  let ports: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.+))?$/.exec(target);
  if (bracket) {
    target = bracket[1]!;
    ports = bracket[2];
  } else if ((target.match(/:/g) ?? []).length === 1) {
    [target, ports] = target.split(':') as [string, string];
  }
  const entry: Entry = {};
  if (ports) {
    const [lo, hi] = ports.split('-').map(Number);
    if (Number.isInteger(lo) && (hi === undefined || Number.isInteger(hi))) entry.ports = [lo!, hi ?? lo!];
  }
  const [ip, len] = target.split('/');
  const family = isIP(ip ?? '');
  if (family !== 0) {
    entry.net = new BlockList();
    entry.family = family;
    const bits = len === undefined ? (family === 4 ? 32 : 128) : Number(len);
    entry.net.addSubnet(ip!, bits, family === 4 ? 'ipv4' : 'ipv6');
  } else {
    entry.host = target;
  }
  entryCache.set(raw, entry);
  return entry;
}

function matches(entries: readonly string[], hostname: string, address: string | undefined, port: number): boolean {
  return entries.some((raw) => {
    const e = parseEntry(raw);
    if (e.ports && (port < e.ports[0] || port > e.ports[1])) return false;
    if (e.host !== undefined) return e.host === hostname;
    if (!address || !e.net) return false;
    const family = isIP(address);
    return family === e.family && e.net.check(address, family === 4 ? 'ipv4' : 'ipv6');
  });
}

const refuse = (field: string, message: string): InputError =>
  new InputError(`${field} is not an allowed outbound URL: ${message}`, [{ path: field, message }]);

const defaultResolve = (hostname: string): Promise<ResolvedAddress[]> => lookup(hostname, { all: true, verbatim: true });

/**
 * The one outbound-URL guard: `https:` only (plain `http:` where the operator allows the host), no userinfo, and every
 * address the host resolves to must be public unless the operator allow-listed it. Returns the parsed URL and the checked
 * address to connect to — callers pin that address so a second DNS answer (rebinding) cannot redirect the connection.
 * Throws `InputError` naming `field`.
 */
export async function assertOutboundUrlAllowed(url: string, policy: OutboundPolicy, field: string): Promise<{ url: URL; address: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse(field, 'must be an absolute https:// URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw refuse(field, `scheme "${parsed.protocol}" is not allowed; use https:`);
  }
  if (parsed.username || parsed.password) throw refuse(field, 'credentials in the URL are not allowed; use the credentials field');
  // WHATWG URL parsing already normalised decimal/hex/octal IPv4 forms (2130706433, 0x7f.1) to dotted quads.
  const hostname = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (!hostname) throw refuse(field, 'must name a host');
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  let addresses: ResolvedAddress[];
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      addresses = await (policy.resolve ?? defaultResolve)(hostname);
    } catch {
      throw refuse(field, `host "${hostname}" does not resolve`);
    }
    if (addresses.length === 0) throw refuse(field, `host "${hostname}" does not resolve`);
  }
  // Every answer must pass: a name that resolves to one public and one private address is how rebinding starts.
  for (const a of addresses) {
    if (isNonPublicAddress(a.address) && !matches(policy.allowPrivate, hostname, a.address, port)) {
      throw refuse(field, `host "${hostname}" resolves to a private, loopback, link-local or metadata address`);
    }
  }
  const address = addresses[0]!.address;
  if (parsed.protocol === 'http:' && !matches(policy.allowHttp, hostname, address, port)) throw refuse(field, 'must use https:');
  return { url: parsed, address };
}
