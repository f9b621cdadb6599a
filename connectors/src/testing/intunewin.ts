import { deflateRawSync, crc32 } from 'node:zlib';
import { prepareRawContent } from '../index';
import { bufferContent } from './buffer-content';

/** A zip of `entries` (method 0 stored or 8 deflate), as IntuneWinAppUtil writes the outer .intunewin. */
export function zipEntries(entries: { name: string; data: Buffer; deflate?: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const crc = crc32(e.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(e.deflate ? 8 : 0, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(e.deflate ? 8 : 0, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, body);
    centrals.push(ch, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** A `.intunewin` for `installer` (contracts B): encrypted Contents/IntunePackage.intunewin + Metadata/Detection.xml. */
export async function intunewinOf(setupFile: string, installer: Buffer): Promise<Buffer> {
  const prepared = prepareRawContent(bufferContent(installer, setupFile));
  const blocks = new Map<string, Buffer>();
  for await (const b of prepared.blocks()) blocks.set(b.id, b.bytes);
  const e = Buffer.concat(prepared.blockIds().map((id) => blocks.get(id)!));
  const i = prepared.encryptionInfo();
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<ApplicationInfo xmlns:xsd="http://www.w3.org/2001/XMLSchema" ToolVersion="1.8.6.0">
  <Name>${setupFile}</Name>
  <UnencryptedContentSize>${prepared.size}</UnencryptedContentSize>
  <FileName>IntunePackage.intunewin</FileName>
  <SetupFile>${setupFile}</SetupFile>
  <EncryptionInfo>
    <EncryptionKey>${i.encryptionKey}</EncryptionKey>
    <MacKey>${i.macKey}</MacKey>
    <InitializationVector>${i.initializationVector}</InitializationVector>
    <Mac>${i.mac}</Mac>
    <ProfileIdentifier>ProfileVersion1</ProfileIdentifier>
    <FileDigest>${i.fileDigest}</FileDigest>
    <FileDigestAlgorithm>SHA256</FileDigestAlgorithm>
  </EncryptionInfo>
</ApplicationInfo>`;
  return zipEntries([
    { name: 'IntuneWinPackage/Contents/IntunePackage.intunewin', data: e },
    { name: 'IntuneWinPackage/Metadata/Detection.xml', data: Buffer.from(`\uFEFF${xml}`), deflate: true },
  ]);
}
