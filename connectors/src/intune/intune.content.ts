import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import { InputError } from '@eucora/core';
import type { ArtifactContent } from '../connector';

/** Upload block size (vendor-contracts.md B "6 MiB chunks"). */
export const BLOCK_BYTES = 6 * 1024 * 1024;

/** Graph's `fileEncryptionInfo` (vendor-contracts.md §1 step 6), every value base64. */
export interface FileEncryptionInfo {
  encryptionKey: string;
  macKey: string;
  initializationVector: string;
  mac: string;
  profileIdentifier: 'ProfileVersion1';
  fileDigest: string;
  fileDigestAlgorithm: 'SHA256';
}

/** One block of the encrypted file `E`, in block-list order. */
export interface ContentBlock {
  /** Base64 of the ASCII 4-digit index (`MDAwMA==` for 0). */
  id: string;
  bytes: Buffer;
}

/**
 * What is uploaded to Intune for one artifact: sizes for the file create, the blocks of `E`, and the commit values.
 * `blocks()` may be called again after a crash; `encryptionInfo()` is final only once every block has been produced.
 */
export interface PreparedContent {
  /** `fileName` of the app (the encrypted file's name) and `setupFilePath` (the installer inside the zip). */
  fileName: string;
  setupFile: string;
  size: number;
  sizeEncrypted: number;
  /** Blocks in upload order; their ids give the block-list order, which may differ (the MAC block comes first). */
  blocks(): AsyncGenerator<ContentBlock>;
  /** Block ids in block-list order. */
  blockIds(): string[];
  encryptionInfo(): FileEncryptionInfo;
}

/** Block id of index `i`: base64 of the zero-padded 4-digit decimal, so every id has the same length. */
export function blockId(i: number): string {
  if (i < 0 || i > 9999) throw new InputError(`Intune: ${i + 1} blocks exceed the 4-digit block ids`);
  return Buffer.from(String(i).padStart(4, '0'), 'ascii').toString('base64');
}

/** PKCS7 output length of AES-CBC for `size` plaintext bytes, plus mac (32) and iv (16): contracts B step 6. */
export function encryptedSize(size: number): number {
  return 48 + 16 * (Math.floor(size / 16) + 1);
}

const ZIP_MAX = 0xffff_ffff - 1024;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** Length of the stored single-entry zip `zipStored` writes for an installer of `size` bytes named `name`. */
export function storedZipSize(name: string, size: number): number {
  const n = Buffer.byteLength(name, 'utf8');
  return 30 + n + size + 16 + 46 + n + 22;
}

/**
 * A zip with the installer at its root (contracts B step 1), streamed: one stored entry with a data descriptor, so the CRC
 * is computed on the way and nothing is buffered. No zip64: installers of 4 GiB or more are refused.
 */
export async function* zipStored(name: string, size: number, data: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (size > ZIP_MAX) throw new InputError('Intune: raw installers of 4 GiB or more need a .intunewin package');
  const fname = Buffer.from(name, 'utf8');
  // Version 2.0, flags: bit 3 (data descriptor) + bit 11 (UTF-8 name), method 0 (stored), time/date 1980-01-01.
  const flags = 0x0808;
  const dosTime = 0;
  const dosDate = (0 << 9) | (1 << 5) | 1;
  yield Buffer.concat([
    u32(0x04034b50),
    u16(20),
    u16(flags),
    u16(0),
    u16(dosTime),
    u16(dosDate),
    u32(0),
    u32(0),
    u32(0),
    u16(fname.length),
    u16(0),
    fname,
  ]);
  let crc = 0;
  let seen = 0;
  for await (const chunk of data) {
    crc = crc32(chunk, crc);
    seen += chunk.length;
    yield chunk;
  }
  if (seen !== size) throw new InputError(`Intune: artifact content is ${seen} bytes, ${size} declared`);
  yield Buffer.concat([u32(0x08074b50), u32(crc), u32(size), u32(size)]);
  const cdOffset = 30 + fname.length + size + 16;
  const central = Buffer.concat([
    u32(0x02014b50),
    u16(20),
    u16(20),
    u16(flags),
    u16(0),
    u16(dosTime),
    u16(dosDate),
    u32(crc),
    u32(size),
    u32(size),
    u16(fname.length),
    u16(0),
    u16(0),
    u16(0),
    u16(0),
    u32(0),
    u32(0),
    fname,
  ]);
  yield Buffer.concat([central, u32(0x06054b50), u16(0), u16(0), u16(1), u16(1), u32(central.length), u32(cdOffset), u16(0)]);
}

/** Re-chunks a byte stream into `size`-byte pieces (the last one shorter). */
export async function* rechunk(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const c of source) {
    let chunk = c;
    while (have + chunk.length >= size) {
      const take = size - have;
      parts.push(chunk.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      have = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.length > 0) {
      parts.push(chunk);
      have += chunk.length;
    }
  }
  if (have > 0) yield Buffer.concat(parts);
}

async function* bytesOf(stream: Readable): AsyncGenerator<Buffer> {
  for await (const c of stream) yield Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
}

/**
 * Raw installer bytes → `E = mac‖iv‖C` (contracts B steps 1–6) with fresh keys, in uniform 6 MiB blocks in file order as
 * the samples upload them. The MAC heads `E` but needs every byte, so the bytes are read twice: a first pass computes MAC
 * and digest, the second (CBC is deterministic for one key and IV) encrypts again and streams the blocks. The keys live only
 * in memory: a crash before commit re-uploads every block of the same file with new keys (Put Block replaces an uncommitted
 * block of the same id, Put Block List replaces the list, keys are bound at commit), so nothing secret is stored.
 */
export function prepareRawContent(content: ArtifactContent, blockBytes = BLOCK_BYTES): PreparedContent {
  const size = storedZipSize(content.fileName, content.sizeBytes);
  const sizeEncrypted = encryptedSize(size);
  const blockCount = Math.ceil(sizeEncrypted / blockBytes);
  let info: FileEncryptionInfo | undefined;
  async function* ciphertext(key: Buffer, iv: Buffer, onPlain?: (p: Buffer) => void): AsyncGenerator<Buffer> {
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    let zipped = 0;
    for await (const p of zipStored(content.fileName, content.sizeBytes, bytesOf(await content.open()))) {
      onPlain?.(p);
      zipped += p.length;
      const c = cipher.update(p);
      if (c.length) yield c;
    }
    yield cipher.final();
    if (zipped !== size) throw new Error(`Intune: zip is ${zipped} bytes, ${size} expected`);
  }
  return {
    fileName: 'IntunePackage.intunewin',
    setupFile: content.fileName,
    size,
    sizeEncrypted,
    blockIds: () => Array.from({ length: blockCount }, (_, i) => blockId(i)),
    encryptionInfo: () => {
      if (!info) throw new Error('Intune: encryption info requested before the blocks were produced');
      return info;
    },
    async *blocks() {
      info = undefined;
      const key = randomBytes(32);
      const macKey = randomBytes(32);
      const iv = randomBytes(16);
      const hmac = createHmac('sha256', macKey).update(iv);
      const digest = createHash('sha256');
      for await (const c of ciphertext(key, iv, (p) => digest.update(p))) hmac.update(c);
      const mac = hmac.digest();
      info = {
        encryptionKey: key.toString('base64'),
        macKey: macKey.toString('base64'),
        initializationVector: iv.toString('base64'),
        mac: mac.toString('base64'),
        profileIdentifier: 'ProfileVersion1',
        fileDigest: digest.digest('base64'),
        fileDigestAlgorithm: 'SHA256',
      };
      async function* e(): AsyncGenerator<Buffer> {
        yield Buffer.concat([mac, iv]);
        yield* ciphertext(key, iv);
      }
      let i = 0;
      const check = createHmac('sha256', macKey).update(iv);
      let sent = 0;
      for await (const piece of rechunk(e(), blockBytes)) {
        // The second pass must be the bytes the MAC was computed over (the store could change under us).
        check.update(i === 0 ? piece.subarray(48) : piece);
        sent += piece.length;
        if (sent === sizeEncrypted && !check.digest().equals(mac)) throw new Error('Intune: artifact bytes changed between passes');
        yield { id: blockId(i++), bytes: piece };
      }
    },
  };
}

// ---- .intunewin (contracts B "From a .intunewin") --------------------------------------------------------------------

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Reads the central directory from the tail of the zip (one pass, only the last 64 KiB kept). */
async function centralDirectory(content: ArtifactContent): Promise<ZipEntry[]> {
  let tail = Buffer.alloc(0);
  for await (const c of bytesOf(await content.open())) {
    tail = Buffer.concat([tail, c]);
    if (tail.length > 70_000) tail = tail.subarray(tail.length - 70_000);
  }
  const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > tail.length) throw new InputError('Intune: .intunewin is not a zip');
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdStart = eocd - cdSize;
  if (cdStart < 0 || cdSize === 0xffffffff) {
    throw new InputError('Intune: .intunewin central directory unreadable (zip64 is not supported)');
  }
  const entries: ZipEntry[] = [];
  let p = cdStart;
  for (let i = 0; i < count; i++) {
    if (tail.readUInt32LE(p) !== 0x02014b50) throw new InputError('Intune: .intunewin central directory corrupt');
    const n = tail.readUInt16LE(p + 28);
    const m = tail.readUInt16LE(p + 30);
    const k = tail.readUInt16LE(p + 32);
    entries.push({
      method: tail.readUInt16LE(p + 10),
      compressedSize: tail.readUInt32LE(p + 20),
      size: tail.readUInt32LE(p + 24),
      localOffset: tail.readUInt32LE(p + 42),
      name: tail.subarray(p + 46, p + 46 + n).toString('utf8'),
    });
    p += 46 + n + m + k;
  }
  return entries;
}

/** The bytes of one entry, streamed: skip to its local header, then pass through (stored) or inflate (deflate). */
async function* entryBytes(content: ArtifactContent, e: ZipEntry): AsyncGenerator<Buffer> {
  let pos = 0;
  let header: Buffer | null = Buffer.alloc(0);
  let dataStart = -1;
  let left = e.compressedSize;
  const raw = async function* () {
    for await (const c of bytesOf(await content.open())) {
      let chunk = c;
      if (dataStart < 0) {
        const end = pos + chunk.length;
        if (end <= e.localOffset) {
          pos = end;
          continue;
        }
        header = Buffer.concat([header!, chunk.subarray(Math.max(0, e.localOffset - pos))]);
        pos = end;
        if (header.length < 30) continue;
        const skip = 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
        if (header.length < skip) continue;
        dataStart = skip;
        chunk = header.subarray(skip);
        header = null;
      }
      if (left <= 0) break;
      const piece = chunk.subarray(0, left);
      left -= piece.length;
      if (piece.length) yield piece;
      if (left <= 0) break;
    }
  };
  if (e.method === 0) {
    yield* raw();
  } else if (e.method === 8) {
    const inflate = createInflateRaw();
    const src = Readable.from(raw());
    yield* bytesOf(src.pipe(inflate));
  } else {
    throw new InputError(`Intune: .intunewin entry ${e.name} uses unsupported zip method ${e.method}`);
  }
}

function xmlValue(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]?.trim();
}

/** A `.intunewin`: `Contents/<FileName>` is uploaded unchanged, sizes and commit values come from Detection.xml. */
export async function prepareIntunewinContent(content: ArtifactContent, blockBytes = BLOCK_BYTES): Promise<PreparedContent> {
  const entries = await centralDirectory(content);
  const detection = entries.find((e) => /(^|\/)Metadata\/Detection\.xml$/i.test(e.name));
  if (!detection) throw new InputError('Intune: .intunewin has no Metadata/Detection.xml');
  const parts: Buffer[] = [];
  for await (const c of entryBytes(content, detection)) parts.push(c);
  const xml = Buffer.concat(parts)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const need = (tag: string) => {
    const v = xmlValue(xml, tag);
    if (!v) throw new InputError(`Intune: Detection.xml has no ${tag}`);
    return v;
  };
  const fileName = need('FileName');
  const inner = entries.find((e) => e.name.replace(/\\/g, '/').endsWith(`Contents/${fileName}`));
  if (!inner) throw new InputError(`Intune: .intunewin has no Contents/${fileName}`);
  const sizeEncrypted = inner.size;
  const info: FileEncryptionInfo = {
    encryptionKey: need('EncryptionKey'),
    macKey: need('MacKey'),
    initializationVector: need('InitializationVector'),
    mac: need('Mac'),
    profileIdentifier: 'ProfileVersion1',
    fileDigest: need('FileDigest'),
    fileDigestAlgorithm: 'SHA256',
  };
  const blockCount = Math.ceil(sizeEncrypted / blockBytes);
  return {
    fileName,
    setupFile: need('SetupFile'),
    size: Number(need('UnencryptedContentSize')),
    sizeEncrypted,
    blockIds: () => Array.from({ length: blockCount }, (_, i) => blockId(i)),
    encryptionInfo: () => info,
    async *blocks() {
      let i = 0;
      for await (const piece of rechunk(entryBytes(content, inner), blockBytes)) yield { id: blockId(i++), bytes: piece };
    },
  };
}

/** Picks the preparation by artifact format: a `.intunewin` is uploaded as is, anything else is wrapped and encrypted. */
export async function prepareContent(format: string, content: ArtifactContent, blockBytes = BLOCK_BYTES): Promise<PreparedContent> {
  return format === 'intunewin' ? prepareIntunewinContent(content, blockBytes) : prepareRawContent(content, blockBytes);
}
