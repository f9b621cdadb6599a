#!/usr/bin/env node
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createPublicKey } from 'node:crypto';
import { keyIdOf, verifyEvidenceBundle } from '@eucora/core';

const USAGE = `usage:
  eucora evidence pull <pack id> --out <dir>     download a pack, its signed manifest and the public keys
  eucora evidence verify <dir> [--public-key <pem file>]
                                                 verify offline: pack hash, pack fields, Ed25519 signature, chain
environment: EUCORA_API_URL (default http://127.0.0.1:8080), EUCORA_TOKEN (an auditor's token, for pull)`;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function api(pathname: string): Promise<Response> {
  const base = process.env.EUCORA_API_URL ?? 'http://127.0.0.1:8080';
  const res = await fetch(`${base}/api/v1${pathname}`, {
    headers: process.env.EUCORA_TOKEN ? { authorization: `Bearer ${process.env.EUCORA_TOKEN}` } : {},
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { detail?: string };
    throw new Error(`GET ${pathname} → ${res.status}${body.detail ? `: ${body.detail}` : ''}`);
  }
  return res;
}

async function pull(id: string, out: string): Promise<void> {
  const meta = (await (await api(`/evidence-packs/${id}`)).json()) as {
    intentId: string;
    version: number;
    manifest: unknown;
    signature: string;
  };
  const bytes = Buffer.from(await (await api(`/evidence-packs/${id}/content`)).arrayBuffer());
  const keys = await (await api('/evidence/signing-keys')).json();
  const all = (await (await api(`/evidence-packs?intent=${meta.intentId}`)).json()) as { items: { version: number; sha256: string }[] };
  const previous = meta.version > 1 ? (all.items.find((p) => p.version === meta.version - 1)?.sha256 ?? null) : null;
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'pack.json'), bytes);
  writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify({ manifest: meta.manifest, signature: meta.signature }, null, 2)}\n`);
  writeFileSync(path.join(out, 'keys.json'), `${JSON.stringify(keys, null, 2)}\n`);
  writeFileSync(path.join(out, 'metadata.json'), `${JSON.stringify({ ...meta, previousPackSha256: previous }, null, 2)}\n`);
  process.stdout.write(`pulled pack v${meta.version} of intent ${meta.intentId} into ${out} (${bytes.length} bytes)\n`);
}

function verifyDir(dir: string, publicKeyFile: string | undefined): boolean {
  const read = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  const { manifest, signature } = read('manifest.json') as { manifest: unknown; signature: string };
  let publicKeys: { keyId: string; publicKeyPem: string }[];
  if (publicKeyFile) {
    const pem = readFileSync(publicKeyFile, 'utf8');
    publicKeys = [{ keyId: keyIdOf(createPublicKey(pem)), publicKeyPem: pem }];
  } else {
    publicKeys = (read('keys.json') as { keys: { keyId: string; publicKeyPem: string }[] }).keys;
  }
  const meta = existsSync(path.join(dir, 'metadata.json')) ? (read('metadata.json') as { previousPackSha256?: string | null }) : {};
  const result = verifyEvidenceBundle({
    packBytes: readFileSync(path.join(dir, 'pack.json')),
    manifest,
    signature,
    publicKeys,
    previousPackSha256: meta.previousPackSha256,
  });
  for (const c of result.checks) process.stdout.write(`${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}\n`);
  process.stdout.write(result.ok ? 'evidence pack verified\n' : 'evidence pack FAILED verification\n');
  return result.ok;
}

async function main(argv: string[]): Promise<number> {
  const [group, cmd, target] = argv;
  if (group === 'evidence' && cmd === 'pull' && target) {
    const out = arg(argv, '--out');
    if (!out) throw new Error('--out <dir> is required');
    await pull(target, out);
    return 0;
  }
  if (group === 'evidence' && cmd === 'verify' && target) return verifyDir(target, arg(argv, '--public-key')) ? 0 : 1;
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`eucora: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
