import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicy, exceptionCovers, type PolicyException, type PolicyInputs } from './policy';

const NOW = '2026-06-01T00:00:00.000Z';
const HIGH = { id: 'CVE-2024-0001', severity: 'high' as const, cvss: 7.5, knownExploited: false };
const CRIT = { id: 'CVE-2024-0003', severity: 'critical' as const, cvss: 9.8, knownExploited: true };
const MED = { id: 'CVE-2024-0002', severity: 'medium' as const, cvss: 5.3, knownExploited: false };
const ex = (o: Partial<PolicyException> = {}): PolicyException => ({
  id: 'ex-1',
  status: 'approved',
  expiresAt: '2026-07-01T00:00:00.000Z',
  findingIds: [HIGH.id],
  packageName: '7-Zip',
  ...o,
});
const input = (o: Partial<PolicyInputs> = {}): PolicyInputs => ({
  riskScore: 10,
  changeType: 'normal',
  artifactHashMatches: true,
  packageName: '7-Zip',
  findings: [],
  exceptions: [],
  now: NOW,
  ...o,
});

type Row = [
  string,
  Partial<PolicyInputs>,
  { decision: string; approvalBeforeRing: number | null; quorum: number; pir?: boolean; reason: RegExp },
];
const TABLE: Row[] = [
  ['risk 0 → allow', { riskScore: 0 }, { decision: 'allow', approvalBeforeRing: null, quorum: 0, reason: /standard path/ }],
  ['risk 50 → allow (boundary)', { riskScore: 50 }, { decision: 'allow', approvalBeforeRing: null, quorum: 0, reason: /≤ 50/ }],
  [
    'risk 51 → approval before ring 2, quorum 1',
    { riskScore: 51 },
    { decision: 'require_approval', approvalBeforeRing: 2, quorum: 1, reason: /rings 0–1 may run/ },
  ],
  [
    'risk 75 → approval before ring 2, quorum 1 (boundary)',
    { riskScore: 75 },
    { decision: 'require_approval', approvalBeforeRing: 2, quorum: 1, reason: /> 50/ },
  ],
  [
    'risk 76 → approval before ring 1, quorum 2',
    { riskScore: 76 },
    { decision: 'require_approval', approvalBeforeRing: 1, quorum: 2, reason: /two change managers/ },
  ],
  [
    'risk 100 → approval before ring 1, quorum 2',
    { riskScore: 100 },
    { decision: 'require_approval', approvalBeforeRing: 1, quorum: 2, reason: /> 75/ },
  ],
  [
    'emergency, low risk → one approval before ring 0 and a PIR',
    { riskScore: 10, changeType: 'emergency' },
    { decision: 'require_approval', approvalBeforeRing: 0, quorum: 1, pir: true, reason: /Emergency/ },
  ],
  [
    'emergency, high risk → two approvals before ring 0',
    { riskScore: 90, changeType: 'emergency' },
    { decision: 'require_approval', approvalBeforeRing: 0, quorum: 2, pir: true, reason: /two emergency-CAB/ },
  ],
  [
    'standard change follows the risk thresholds too',
    { riskScore: 60, changeType: 'standard' },
    { decision: 'require_approval', approvalBeforeRing: 2, quorum: 1, reason: /> 50/ },
  ],
  [
    'hash mismatch → deny',
    { artifactHashMatches: false },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /does not match/ },
  ],
  [
    'hash not checked → not a deny',
    { artifactHashMatches: null },
    { decision: 'allow', approvalBeforeRing: null, quorum: 0, reason: /standard/ },
  ],
  [
    'hash not checked, unverified = flag → not a deny',
    { artifactHashMatches: null, unverifiedArtifact: 'flag' },
    { decision: 'allow', approvalBeforeRing: null, quorum: 0, reason: /standard/ },
  ],
  [
    'hash not checked, unverified = deny (production) → deny',
    { artifactHashMatches: null, unverifiedArtifact: 'deny' },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /never verified/ },
  ],
  [
    'hash verified, unverified = deny → allowed',
    { artifactHashMatches: true, unverifiedArtifact: 'deny' },
    { decision: 'allow', approvalBeforeRing: null, quorum: 0, reason: /standard/ },
  ],
  [
    'uncovered high finding → deny',
    { findings: [HIGH] },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /CVE-2024-0001/ },
  ],
  [
    'uncovered critical → deny even for emergencies',
    { findings: [CRIT], changeType: 'emergency' },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /CVE-2024-0003/ },
  ],
  ['medium finding alone → no deny', { findings: [MED] }, { decision: 'allow', approvalBeforeRing: null, quorum: 0, reason: /standard/ }],
  [
    'high covered by an approved exception → allowed, reason names it',
    { findings: [HIGH], exceptions: [ex()] },
    { decision: 'allow', approvalBeforeRing: null, quorum: 0, reason: /ex-1/ },
  ],
  [
    'expired exception never counts',
    { findings: [HIGH], exceptions: [ex({ expiresAt: '2026-05-31T23:59:59.000Z' })] },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /without an approved/ },
  ],
  [
    'pending exception never counts',
    { findings: [HIGH], exceptions: [ex({ status: 'pending' })] },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /CVE-2024-0001/ },
  ],
  [
    'rejected exception never counts',
    { findings: [HIGH], exceptions: [ex({ status: 'rejected' })] },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /CVE-2024-0001/ },
  ],
  [
    'exception for another package never counts',
    { findings: [HIGH], exceptions: [ex({ packageName: 'Notepad++' })] },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /CVE-2024-0001/ },
  ],
  [
    'exception covering one of two findings → deny naming the other',
    { findings: [HIGH, CRIT], exceptions: [ex()] },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /CVE-2024-0003/ },
  ],
  [
    'covered finding with high risk still needs two approvals',
    { findings: [HIGH], exceptions: [ex()], riskScore: 80 },
    { decision: 'require_approval', approvalBeforeRing: 1, quorum: 2, reason: /ex-1/ },
  ],
  [
    'hash mismatch and findings → both reasons',
    { artifactHashMatches: false, findings: [CRIT] },
    { decision: 'deny', approvalBeforeRing: null, quorum: 0, reason: /does not match/ },
  ],
];

describe('policy v1', () => {
  for (const [name, inp, exp] of TABLE) {
    it(name, () => {
      const d = evaluatePolicy(input(inp));
      assert.equal(d.decision, exp.decision);
      assert.equal(d.approvalBeforeRing, exp.approvalBeforeRing);
      assert.equal(d.quorum, exp.quorum);
      assert.equal(d.postImplementationReview, exp.pir ?? false);
      assert.ok(
        d.reasons.some((r) => exp.reason.test(r)),
        `reasons: ${d.reasons.join(' | ')}`,
      );
      assert.equal(d.policyVersion, 'policy-v1');
    });
  }

  it('a deny lists every reason', () => {
    assert.equal(evaluatePolicy(input({ artifactHashMatches: false, findings: [CRIT] })).reasons.length, 2);
  });

  it('exception scope is case-insensitive on the package and exact on finding ids', () => {
    assert.ok(exceptionCovers(ex(), HIGH.id, '7-zip', NOW));
    assert.ok(!exceptionCovers(ex(), 'CVE-2024-00011', '7-Zip', NOW));
    assert.ok(!exceptionCovers(ex({ expiresAt: NOW }), HIGH.id, '7-Zip', NOW), 'expiry instant itself is expired');
  });
});
