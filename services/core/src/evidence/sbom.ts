import * as CDX from '@cyclonedx/cyclonedx-library';

/** A component the release engineer declares the artifact contains (used to generate an SBOM when none is supplied). */
export interface DeclaredComponent {
  name: string;
  version: string;
  purl?: string;
  type?: 'library' | 'application' | 'framework' | 'file';
}

const SUPPORTED = { '1.5': CDX.Spec.Version.v1dot5, '1.6': CDX.Spec.Version.v1dot6 } as const;

/** Result of validating a supplied SBOM. */
export interface SbomValidation {
  ok: boolean;
  specVersion: string | null;
  /** JSON-pointer-ish path and message of each problem (first 20). */
  errors: { path: string; message: string }[];
}

/**
 * Validates a CycloneDX JSON SBOM (spec 1.5 or 1.6) against the official JSON schema, strictly.
 * The schema validator loads lazily on first use.
 */
export async function validateSbom(doc: unknown): Promise<SbomValidation> {
  const d = (doc ?? {}) as Record<string, unknown>;
  if (d.bomFormat !== 'CycloneDX') return { ok: false, specVersion: null, errors: [{ path: 'bomFormat', message: 'must be "CycloneDX"' }] };
  const spec = String(d.specVersion ?? '');
  const version = SUPPORTED[spec as keyof typeof SUPPORTED];
  if (!version) return { ok: false, specVersion: spec || null, errors: [{ path: 'specVersion', message: 'must be "1.5" or "1.6"' }] };
  const problems = (await new CDX.Validation.JsonStrictValidator(version).validate(JSON.stringify(doc))) as
    { instancePath?: string; message?: string }[] | null;
  if (!problems) return { ok: true, specVersion: spec, errors: [] };
  return {
    ok: false,
    specVersion: spec,
    errors: problems
      .slice(0, 20)
      .map((p) => ({ path: (p.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || '(root)', message: p.message ?? 'invalid' })),
  };
}

/**
 * Generates a CycloneDX 1.6 JSON SBOM for the artifact and its declared components. Deterministic: no serial number, no
 * timestamp, bom-refs derived from name and version, lists sorted — the same declaration always gives the same bytes.
 */
export function generateSbom(
  artifact: { name: string; version: string; publisher: string },
  components: readonly DeclaredComponent[],
): string {
  const bom = new CDX.Models.Bom();
  bom.metadata.component = new CDX.Models.Component(CDX.Enums.ComponentType.Application, artifact.name, {
    version: artifact.version,
    publisher: artifact.publisher,
    bomRef: `artifact:${artifact.name}@${artifact.version}`,
  });
  const types: Record<string, CDX.Enums.ComponentType> = {
    library: CDX.Enums.ComponentType.Library,
    application: CDX.Enums.ComponentType.Application,
    framework: CDX.Enums.ComponentType.Framework,
    file: CDX.Enums.ComponentType.File,
  };
  for (const c of components) {
    bom.components.add(
      new CDX.Models.Component(types[c.type ?? 'library'] ?? CDX.Enums.ComponentType.Library, c.name, {
        version: c.version,
        bomRef: `component:${c.name}@${c.version}`,
        ...(c.purl ? { purl: c.purl } : {}),
      }),
    );
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true, space: 0 });
}
