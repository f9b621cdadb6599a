import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIntentSchema, DEFAULT_RINGS, type IntentSpec } from '../intents/intent.schema';
import type { TargetableDevice } from '../targeting/targeting';
import { deviceListSha256 } from '../targeting/targeting';
import {
  ASSUMED_DEVICE_COUNT,
  assess,
  blastRadiusNote,
  cabTargets,
  declaredTargets,
  deployRequest,
  deploymentHistory,
  plannedRings,
  riskInputs,
  snapshotTargets,
  zeroTargetsReason,
  type ArtifactCheckResult,
  type AssessmentInput,
} from './assessment';
import { evidencePackInput, exceptionEvidence, sbomEvidence, targetsEvidence, type ExceptionRecord } from './evidence-input';

const NOW = '2026-12-01T10:00:00.000Z';
const TENANT = '11111111-1111-4111-8111-111111111111';

function spec(over: Record<string, unknown> = {}, artifact: Record<string, unknown> = {}): IntentSpec {
  return createIntentSchema.parse({
    title: 'Roll out 7-Zip 24.08',
    plane: 'intune',
    artifact: {
      name: '7-Zip',
      version: '24.08',
      publisher: 'Igor Pavlov',
      platform: 'windows',
      format: 'msi',
      sha256: 'a'.repeat(64),
      sizeBytes: 1_500_000,
      installCommand: 'msiexec /i 7z2408-x64.msi /qn',
      uninstallCommand: 'msiexec /x {X} /qn',
      detectionRule: { type: 'product_code', value: '{X}' },
      ...artifact,
    },
    targeting: { groups: ['all-windows'] },
    rollbackPlan: { strategy: 'uninstall' },
    ...over,
  });
}

type Device = TargetableDevice & { groups: string[] };
function fleet(n: number, lab = 3): Device[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `dev-${String(i).padStart(4, '0')}`,
    platform: 'windows' as const,
    groups: i < lab ? ['all-windows', 'lab'] : ['all-windows'],
  }));
}

const input = (s: IntentSpec, over: Partial<AssessmentInput> = {}): AssessmentInput => ({
  intent: { plane: 'intune', changeType: s.changeType, spec: s },
  findings: [],
  snapshot: null,
  history: null,
  artifactCheck: null,
  exceptions: [],
  unverified: 'flag',
  now: NOW,
  ...over,
});

describe('assessment (pure)', () => {
  it('uses the declared count, or the assumption, for a plane never synced, and says so', () => {
    const none = spec();
    assert.equal(riskInputs(none, [], null, null, null).deviceCount, ASSUMED_DEVICE_COUNT);
    assert.match(blastRadiusNote('intune', none, null), /intune inventory never synced: assumed/);
    const declared = spec({ targeting: { groups: ['all-windows'], deviceCount: 40 } });
    assert.equal(riskInputs(declared, [], null, null, null).deviceCount, 40);
    assert.match(blastRadiusNote('intune', declared, null), /declared targeting\.deviceCount/);
    assert.deepEqual(declaredTargets(declared, NOW), {
      source: 'declared',
      count: 40,
      sha256: null,
      platformSplit: null,
      otherPlatform: 0,
      excluded: 0,
      stale: 0,
      unknownGroups: [],
      takenAt: NOW,
      inventorySyncedAt: null,
    });
    const a = assess(input(declared));
    assert.equal(a.targets?.source, 'declared');
    const blast = a.risk.factors.find((f) => f.name === 'blastRadius')!;
    assert.ok(blast.reason.endsWith('(intune inventory never synced: declared targeting.deviceCount)'));
    assert.deepEqual(
      a.rings.map((r) => [r.name, r.deviceGroup, r.deviceCount]),
      DEFAULT_RINGS.map((r) => [r.name, r.group ?? r.name, undefined]),
    );
  });

  it('reads the snapshot count and checks the artifact against the declared hash', () => {
    const s = spec();
    const snap = snapshotTargets(TENANT, s, fleet(50), NOW, NOW);
    assert.equal(snap.targets.count, 50);
    assert.equal(riskInputs(s, [], snap, null, null).deviceCount, 50);
    const check = (sha: string): ArtifactCheckResult => ({ verifiedSha256: sha, check: { source: 'upload', sizeBytes: 1, at: NOW } });
    assert.equal(riskInputs(s, [], snap, null, check('a'.repeat(64))).artifactVerified, true);
    assert.equal(riskInputs(s, [], snap, null, check('b'.repeat(64))).artifactVerified, false);
    assert.equal(riskInputs(s, [], snap, null, null).artifactVerified, false);
    assert.equal(riskInputs(s, [], snap, null, null).sbomPresent, false, 'no SBOM and no declared components');
    assert.equal(assess(input(s, { snapshot: snap, artifactCheck: check('b'.repeat(64)) })).policy.decision, 'deny');
  });

  it('freezes ring membership per planned ring and resolves the ring plan', () => {
    const s = spec();
    const snap = snapshotTargets(TENANT, s, fleet(200), NOW, '2026-12-01T09:00:00.000Z');
    assert.deepEqual(
      snap.rings.map((r) => r.index),
      [0, 1, 2, 3],
    );
    assert.equal(snap.rings[0]!.deviceIds.length, 3, 'ring 0 is the lab group ∩ targets');
    assert.equal(
      snap.rings.reduce((n, r) => n + r.deviceIds.length, 0),
      200,
    );
    const rings = plannedRings(s, snap);
    assert.deepEqual(rings[0], {
      index: 0,
      name: 'ring0-lab',
      deviceGroup: 'lab',
      successThreshold: 100,
      soakSeconds: 0,
      deviceCount: 3,
      sha256: snap.rings[0]!.sha256,
    });
    assert.equal(rings[3]!.deviceGroup, 'ring3-broad', 'a ring without a group targets its name');
    const custom = spec({ rings: [{ name: 'only', successThreshold: 90 }] });
    assert.deepEqual(plannedRings(custom, null), [{ index: 0, name: 'only', deviceGroup: 'only', successThreshold: 90, soakSeconds: 0 }]);
  });

  it('denies an intent whose synced plane has no matching device, naming the unknown groups', () => {
    const s = spec({ targeting: { groups: ['all-windows', 'ghosts'], exclusions: ['all-windows'] } });
    const snap = snapshotTargets(TENANT, s, fleet(5), NOW, NOW);
    assert.equal(snap.targets.count, 0);
    const reason = zeroTargetsReason(snap.targets, s);
    assert.equal(
      reason,
      'No device matches the targeting (groups all-windows, ghosts on windows minus all-windows): ' +
        '0 on another platform, 5 excluded, 0 stale. Unknown groups (no synced device): ghosts.',
    );
    const a = assess(input(s, { snapshot: snap }));
    assert.equal(a.policy.decision, 'deny');
    assert.equal(a.policy.approvalBeforeRing, null);
    assert.equal(a.policy.reasons.at(-1), reason);
  });

  it('shows the change manager the snapshot headline and devices per ring', () => {
    const s = spec();
    const a = assess(input(s, { snapshot: snapshotTargets(TENANT, s, fleet(20), NOW, NOW) }));
    const shown = JSON.parse(cabTargets(a)!) as { count: number; rings: { count: number | null }[] };
    assert.equal(shown.count, 20);
    assert.deepEqual(
      shown.rings.map((r) => r.count),
      a.rings.map((r) => r.deviceCount),
    );
    assert.equal(cabTargets({ ...a, targets: undefined }), null, 'assessed before issue 10');
  });

  it('maps the deploy request: declared fields, uploaded name first, else a plain URL file name', () => {
    const s = spec({}, { sourceUrl: 'https://dl.example.com/files/7z%202408-x64.msi?x=1' });
    const r = deployRequest('intune', s);
    assert.equal(r.plane, 'intune');
    assert.equal(r.fileName, '7z 2408-x64.msi');
    assert.deepEqual(r.artifact, {
      name: '7-Zip',
      version: '24.08',
      publisher: 'Igor Pavlov',
      sha256: 'a'.repeat(64),
      installCommand: 'msiexec /i 7z2408-x64.msi /qn',
      uninstallCommand: 'msiexec /x {X} /qn',
      platform: 'windows',
      format: 'msi',
      sizeBytes: 1_500_000,
      detectionRule: { type: 'product_code', value: '{X}' },
    });
    assert.equal(deployRequest('intune', s, 'setup.msi').fileName, 'setup.msi');
    assert.equal(deployRequest('intune', s, null).fileName, '7z 2408-x64.msi', 'an upload without a name falls back to the URL');
    const odd = deployRequest('intune', spec({}, { sourceUrl: 'https://dl.example.com/a%2Fb%3Bc' }));
    assert.equal('fileName' in odd, false, 'a segment that is no plain file name is not used');
    assert.equal('fileName' in deployRequest('intune', spec()), false);
    assert.deepEqual(assess(input(s, { uploadedFileName: 'setup.msi' })).deployRequest, deployRequest('intune', s, 'setup.msi'));
  });

  it('summarises the package history for the risk model', () => {
    assert.equal(deploymentHistory([]), null);
    assert.deepEqual(
      deploymentHistory([
        { state: 'completed', haltedRings: 0 },
        { state: 'rolled_back', haltedRings: 2 },
        { state: 'failed', haltedRings: 1 },
      ]),
      { deployments: 3, rollbacks: 1, failedRings: 3 },
    );
  });
});

describe('evidence input (pure)', () => {
  it('hashes a supplied SBOM and generates one from declared components otherwise', () => {
    const supplied = sbomEvidence(spec({ sbom: { bomFormat: 'CycloneDX', specVersion: '1.5', components: [] } }));
    assert.equal(supplied.source, 'supplied');
    assert.equal(supplied.specVersion, '1.5');
    assert.equal(supplied.present, true);
    const generated = sbomEvidence(spec());
    assert.equal(generated.source, 'generated');
    assert.equal(generated.present, false, 'no declared components: contents unknown');
    assert.match(generated.sha256, /^[a-f0-9]{64}$/);
  });

  it('lists the frozen devices per ring and refuses members that differ from the snapshot', () => {
    const s = spec();
    const snap = snapshotTargets(TENANT, s, fleet(30), NOW, NOW);
    const a = assess(input(s, { snapshot: snap }));
    const members = snap.rings.flatMap((r) => r.deviceIds.map((deviceKey) => ({ ringIndex: r.index, deviceKey }))).reverse();
    const t = targetsEvidence(a, s, members);
    assert.ok(t && t.source === 'inventory');
    assert.equal(t.count, 30);
    assert.equal(t.sha256, snap.targets.sha256);
    assert.deepEqual(
      t.rings.map((r) => r.deviceIds),
      snap.rings.map((r) => r.deviceIds),
    );
    assert.equal(t.rings[0]!.sha256, deviceListSha256(snap.rings[0]!.deviceIds));
    assert.throws(() => targetsEvidence(a, s, members.slice(1)), /differs from the assessed snapshot/);
    const declared = targetsEvidence(assess(input(s)), s, []);
    assert.equal(declared?.source, 'declared');
    assert.equal(targetsEvidence({ ...a, targets: undefined }, s, members), undefined);
  });

  it('assembles the pack: applied exceptions in their table layout, deliveries, intent without SBOM and report', () => {
    const s = spec({ sbom: { bomFormat: 'CycloneDX', specVersion: '1.6' }, vulnerabilityReport: { Results: [] } });
    const a = assess(input(s));
    const ex = (id: string): ExceptionRecord => ({
      id,
      packageName: '7-Zip',
      findingIds: ['CVE-1'],
      compensatingControls: 'c',
      justification: 'j',
      expiresAt: NOW,
      status: 'approved',
      requestedBy: 'rita',
      decidedBy: 'carl',
      decidedAt: NOW,
    });
    const req = {
      tenantId: TENANT,
      intentId: 'i1',
      version: 2,
      previousPackHash: 'p'.repeat(64),
      createdAt: NOW,
      testEvidence: [],
      approvals: [],
      assessment: { ...a, policy: { ...a.policy, exceptionsApplied: ['e2'] } },
    };
    const intent = { id: 'i1', submittedBy: 'rita', correlationId: 'c1', spec: s };
    const pack = evidencePackInput(req, { intent, findings: [], exceptions: [ex('e1'), ex('e2')], targets: undefined });
    assert.deepEqual(pack.exceptions, [exceptionEvidence(ex('e2'))]);
    assert.deepEqual(Object.keys(pack.exceptions[0]!).sort(), [
      'compensating_controls',
      'decided_at',
      'decided_by',
      'expires_at',
      'finding_ids',
      'id',
      'justification',
      'package_name',
      'requested_by',
      'status',
    ]);
    assert.deepEqual(pack.artifact.deliveries, [], 'requests recorded before deliveries were carried');
    assert.equal('sbom' in pack.intent || 'vulnerabilityReport' in pack.intent, false);
    assert.equal(pack.intent.submittedBy, 'rita');
    assert.equal('targets' in pack, false);
    const delivered = evidencePackInput(
      { ...req, deliveries: [{ ring: 0, plane: 'intune', objectIds: { app: 'x' } }] },
      {
        intent,
        findings: [],
        exceptions: [],
        targets: undefined,
      },
    );
    assert.deepEqual(delivered.artifact.deliveries, [{ ring: 0, plane: 'intune', objectIds: { app: 'x' } }]);
  });
});
