import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { keyIdOf, type PublishedKey } from '@eucora/core';

/** On-disk keyring of evidence signing keys (`EVIDENCE_SIGNING_KEY_FILE`, mode 0600). */
interface KeyringFile {
  activeKeyId: string;
  keys: { keyId: string; privateKeyPem: string; publicKeyPem: string; createdAt: string }[];
}

/** A loaded keyring: the active private key signs; every public key stays published so old packs remain verifiable. */
export interface SigningKeyring {
  active: { keyId: string; privateKey: KeyObject };
  published: PublishedKey[];
}

function newKey(): KeyringFile['keys'][number] {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    keyId: keyIdOf(publicKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    createdAt: new Date().toISOString(),
  };
}

function write(file: string, ring: KeyringFile): void {
  // Write-then-rename so a crash never leaves a half-written keyring.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(ring, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Creates a keyring with one key unless `file` exists. Returns whether it created one. */
export function ensureKeyring(file: string): boolean {
  if (existsSync(file)) return false;
  const key = newKey();
  write(file, { activeKeyId: key.keyId, keys: [key] });
  return true;
}

/** Adds a new key and makes it active; older keys stay for verification. Returns the new key id. */
export function rotateKeyring(file: string): string {
  const ring = JSON.parse(readFileSync(file, 'utf8')) as KeyringFile;
  const key = newKey();
  write(file, { activeKeyId: key.keyId, keys: [...ring.keys, key] });
  return key.keyId;
}

/** Loads and checks a keyring; throws naming the problem. */
export function loadKeyring(file: string): SigningKeyring {
  const ring = JSON.parse(readFileSync(file, 'utf8')) as KeyringFile;
  const published: PublishedKey[] = ring.keys.map((k) => {
    const id = keyIdOf(createPublicKey(k.publicKeyPem));
    if (id !== k.keyId) throw new Error(`Keyring ${file}: key ${k.keyId} does not match its public key (${id})`);
    return {
      keyId: k.keyId,
      algorithm: 'Ed25519',
      publicKeyPem: k.publicKeyPem,
      createdAt: k.createdAt,
      active: k.keyId === ring.activeKeyId,
    };
  });
  const active = ring.keys.find((k) => k.keyId === ring.activeKeyId);
  if (!active) throw new Error(`Keyring ${file}: active key ${ring.activeKeyId} is missing`);
  return { active: { keyId: active.keyId, privateKey: createPrivateKey(active.privateKeyPem) }, published };
}
