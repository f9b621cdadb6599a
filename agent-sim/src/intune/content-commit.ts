import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SimFile } from './intune-state';

/** True when `buf` is a zip: local header at 0 and an end-of-central-directory record near the end. */
function looksLikeZip(buf: Buffer): boolean {
  if (buf.length < 22 || buf.readUInt32LE(0) !== 0x04034b50) return false;
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  return eocd >= 0 && eocd >= buf.length - 22 - 0xffff;
}

/**
 * Commit checks (contracts B, §1 step 6): the committed blob is `sizeEncrypted` bytes, `mac‖iv‖C` with the MAC over
 * `iv‖C` under `macKey`, `iv` = `initializationVector`, C decrypts under `encryptionKey` to a zip whose SHA-256 is
 * `fileDigest` and whose length is `size`. Returns what is wrong, or null.
 */
export function verifyCommit(f: SimFile, info: Record<string, unknown>): string | null {
  const blob = f.blob;
  if (!blob) return 'no block list was committed';
  if (blob.length !== f.sizeEncrypted) return `blob is ${blob.length} bytes, sizeEncrypted says ${f.sizeEncrypted}`;
  const key = Buffer.from(String(info.encryptionKey), 'base64');
  const macKey = Buffer.from(String(info.macKey), 'base64');
  const iv = Buffer.from(String(info.initializationVector), 'base64');
  const mac = Buffer.from(String(info.mac), 'base64');
  if (key.length !== 32 || macKey.length !== 32 || iv.length !== 16 || mac.length !== 32) {
    return 'key, macKey, iv or mac has the wrong length';
  }
  const storedMac = blob.subarray(0, 32);
  const computed = createHmac('sha256', macKey).update(blob.subarray(32)).digest();
  if (!timingSafeEqual(storedMac, mac) || !timingSafeEqual(computed, mac)) return 'MAC mismatch';
  if (!blob.subarray(32, 48).equals(iv)) return 'initializationVector does not match the file';
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-256-cbc', key, iv);
    plain = Buffer.concat([d.update(blob.subarray(48)), d.final()]);
  } catch {
    return 'decryption failed';
  }
  if (plain.length !== f.size) return `decrypted content is ${plain.length} bytes, size says ${f.size}`;
  if (createHash('sha256').update(plain).digest('base64') !== info.fileDigest) return 'fileDigest mismatch';
  if (!looksLikeZip(plain)) return 'decrypted content is not a zip';
  return null;
}
