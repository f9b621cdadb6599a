import { z } from 'zod';
import { isoDateTime } from '../validation/date-time.schema';

/** The execution planes EUCORA deploys through. */
export const PLANES = ['intune', 'jamf', 'sccm', 'landscape', 'awx'] as const;
export type Plane = (typeof PLANES)[number];

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, 'must be 64 lower-case hex characters (SHA-256)');
const name = z.string().trim().min(1).max(200);

/** The artifact to deploy, as declared by the release engineer. */
export const artifactSchema = z
  .object({
    name,
    version: z.string().trim().min(1).max(100),
    publisher: name,
    platform: z.enum(['windows', 'macos', 'linux']),
    format: z.enum(['msi', 'exe', 'intunewin', 'pkg', 'dmg', 'deb', 'rpm', 'snap', 'script']),
    sha256: sha256Hex,
    sizeBytes: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 ** 3),
    signature: z
      .object({
        signed: z.boolean(),
        signer: z.string().max(300).optional(),
        /** Whether the signer is on the tenant's list of known publishers. */
        knownPublisher: z.boolean().default(false),
      })
      .strict()
      .default({ signed: false, knownPublisher: false }),
    installCommand: z.string().min(1).max(2000),
    uninstallCommand: z.string().min(1).max(2000),
    detectionRule: z
      .object({
        type: z.enum(['file', 'registry', 'product_code', 'script']),
        value: z.string().min(1).max(4000),
      })
      .strict(),
    /** Components the artifact contains; an SBOM is generated from them when none is supplied. */
    components: z
      .array(
        z
          .object({
            name: z.string().trim().min(1).max(200),
            version: z.string().trim().min(1).max(100),
            purl: z.string().max(500).optional(),
            type: z.enum(['library', 'application', 'framework', 'file']).optional(),
          })
          .strict(),
      )
      .max(5000)
      .default([]),
    /** Id of an artifact check (`POST /api/v1/artifacts`) whose streamed SHA-256 is compared with `sha256`. */
    checkId: z.string().uuid().optional(),
    /** Where the worker fetches the artifact to hash it; the host must be on ARTIFACT_URL_ALLOWLIST. */
    sourceUrl: z.string().url().max(2000).optional(),
  })
  .strict();

/** A ring of the rollout plan. `percent` is of the targeted devices; ring 0 targets a named lab group instead. */
export const ringSchema = z
  .object({
    name: z.string().trim().min(1).max(50),
    /** Share of targeted devices in this ring (0-100); ignored when `group` is set. */
    percent: z.number().min(0).max(100).optional(),
    /** Named device group (e.g. the lab) that forms this ring. */
    group: z.string().max(200).optional(),
    /** Success ratio in percent that promotes the ring. */
    successThreshold: z.number().min(0).max(100),
    /** Seconds the ring must hold its success ratio before promotion. */
    soakSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(0),
  })
  .strict();

/** Default ring plan of DESIGN.md §4. */
export const DEFAULT_RINGS: readonly z.infer<typeof ringSchema>[] = Object.freeze([
  { name: 'ring0-lab', group: 'lab', successThreshold: 100, soakSeconds: 0 },
  { name: 'ring1-canary', percent: 1, successThreshold: 98, soakSeconds: 0 },
  { name: 'ring2-pilot', percent: 10, successThreshold: 95, soakSeconds: 0 },
  { name: 'ring3-broad', percent: 100, successThreshold: 95, soakSeconds: 0 },
]);

/** Body of `POST /api/v1/deployment-intents`. */
export const createIntentSchema = z
  .object({
    title: z.string().trim().min(3).max(200),
    changeType: z.enum(CHANGE_TYPES).default('normal'),
    plane: z.enum(PLANES),
    artifact: artifactSchema,
    targeting: z
      .object({
        groups: z.array(z.string().trim().min(1).max(200)).min(1).max(100),
        exclusions: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
        /** Expected number of targeted devices (blast radius); defaults to what the plane reports. */
        deviceCount: z.number().int().min(0).max(10_000_000).optional(),
      })
      .strict(),
    rings: z.array(ringSchema).min(1).max(10).optional(),
    schedule: z
      .object({
        notBefore: isoDateTime().optional(),
        blackoutWindows: z
          .array(z.object({ start: isoDateTime(), end: isoDateTime() }).strict())
          .max(50)
          .default([]),
      })
      .strict()
      .default({ blackoutWindows: [] }),
    riskInputs: z
      .object({
        privilege: z.enum(['user', 'admin', 'system', 'kernel_driver']).default('user'),
        dataAccess: z.enum(['none', 'user', 'sensitive', 'regulated']).default('none'),
        requiresReboot: z.boolean().default(false),
        hasScripts: z.boolean().default(false),
        dependencies: z.number().int().min(0).max(100).default(0),
        multiStep: z.boolean().default(false),
      })
      .strict()
      .default({}),
    rollbackPlan: z
      .object({
        strategy: z.enum(['uninstall', 'previous_version', 'script']),
        notes: z.string().max(4000).optional(),
      })
      .strict(),
    /** CycloneDX JSON SBOM (1.5/1.6); validated by the evidence builder. */
    sbom: z.record(z.unknown()).optional(),
    /** Trivy, Grype or CycloneDX VEX JSON; normalised by the evidence builder. */
    vulnerabilityReport: z.record(z.unknown()).optional(),
  })
  .strict();

export type CreateIntentInput = z.input<typeof createIntentSchema>;
export type IntentSpec = z.infer<typeof createIntentSchema>;

/** Lifecycle states (DESIGN.md §4). */
export const INTENT_STATES = [
  'submitted',
  'assessing',
  'awaiting_approval',
  'rolling_out',
  'completed',
  'rejected',
  'blocked',
  'rolling_back',
  'rolled_back',
  'failed',
  'cancelled',
] as const;
export type IntentState = (typeof INTENT_STATES)[number];

/** The Temporal workflow id of an intent: stable, so a second start for the same intent is refused by Temporal. */
export function intentWorkflowId(tenantId: string, intentId: string): string {
  return `intent-${tenantId}-${intentId}`;
}
