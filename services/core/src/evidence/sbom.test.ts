import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSbom, validateSbom } from './sbom';

const supplied = (specVersion: string) => ({
  bomFormat: 'CycloneDX',
  specVersion,
  version: 1,
  metadata: { component: { type: 'application', name: 'Contoso Agent', version: '2.1.0', 'bom-ref': 'root' } },
  components: [{ type: 'library', name: 'openssl', version: '3.0.13', purl: 'pkg:generic/openssl@3.0.13', 'bom-ref': 'openssl' }],
});

describe('SBOM', () => {
  it('accepts valid CycloneDX 1.5 and 1.6 JSON', async () => {
    assert.deepEqual(await validateSbom(supplied('1.5')), { ok: true, specVersion: '1.5', errors: [] });
    assert.deepEqual(await validateSbom(supplied('1.6')), { ok: true, specVersion: '1.6', errors: [] });
  });

  it('rejects other versions, other formats and schema violations, naming the path', async () => {
    assert.equal((await validateSbom(supplied('1.4'))).errors[0]!.path, 'specVersion');
    assert.equal((await validateSbom({ bomFormat: 'SPDX' })).errors[0]!.path, 'bomFormat');
    const bad = supplied('1.6');
    delete (bad.components[0] as Record<string, unknown>).type;
    const v = await validateSbom(bad);
    assert.equal(v.ok, false);
    assert.equal(v.errors[0]!.path, 'components.0');
    assert.match(v.errors[0]!.message, /type/);
  });

  it('generates a valid, deterministic 1.6 SBOM from the artifact and declared components', async () => {
    const a = generateSbom({ name: '7-Zip', version: '24.08', publisher: 'Igor Pavlov' }, [
      { name: 'zlib', version: '1.3.1', purl: 'pkg:generic/zlib@1.3.1' },
      { name: 'lzma', version: '24.08' },
    ]);
    const b = generateSbom({ name: '7-Zip', version: '24.08', publisher: 'Igor Pavlov' }, [
      { name: 'lzma', version: '24.08' },
      { name: 'zlib', version: '1.3.1', purl: 'pkg:generic/zlib@1.3.1' },
    ]);
    assert.equal(a, b, 'order of declaration does not change the bytes');
    const doc = JSON.parse(a);
    assert.equal(doc.specVersion, '1.6');
    assert.equal(doc.metadata.component.name, '7-Zip');
    assert.deepEqual(
      doc.components.map((c: { name: string }) => c.name),
      ['lzma', 'zlib'],
    );
    assert.equal((await validateSbom(doc)).ok, true);
  });
});
