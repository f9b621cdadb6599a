import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SecretBox } from './secret-box';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(SecretBox.generateKey());
  it('round-trips and never contains the plaintext', () => {
    const sealed = box.seal('s3cr3t-client-secret', 'tenant-a:intune');
    assert.ok(!sealed.includes('s3cr3t'));
    assert.equal(box.open(sealed, 'tenant-a:intune'), 's3cr3t-client-secret');
    assert.notEqual(box.seal('x', 'a'), box.seal('x', 'a'), 'random IV');
  });
  it('refuses another row, a tampered ciphertext and another key', () => {
    const sealed = box.seal('secret', 'tenant-a:intune');
    assert.throws(() => box.open(sealed, 'tenant-b:intune'));
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'tenant-a:intune'));
    assert.throws(() => new SecretBox(SecretBox.generateKey()).open(sealed, 'tenant-a:intune'));
    assert.throws(() => new SecretBox('c2hvcnQ='), /32 bytes/);
  });
});
