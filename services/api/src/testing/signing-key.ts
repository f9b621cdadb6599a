import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { keyIdOf, type PublishedKey } from '@eucora/core';

/** A fresh Ed25519 signing key, its id, and the key list published for it (active, created at the epoch). */
export function testSigningKey(): { privateKey: KeyObject; publicKey: KeyObject; keyId: string; published: PublishedKey[] } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  const published: PublishedKey[] = [
    {
      keyId,
      algorithm: 'Ed25519',
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      createdAt: new Date(0).toISOString(),
      active: true,
    },
  ];
  return { privateKey, publicKey, keyId, published };
}
