import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { log10Milli, RISK_WEIGHTS, riskBand, scoreRisk, type RiskFinding, type RiskInputs } from './risk-model';

const KEV: RiskFinding = { id: 'CVE-2024-0003', severity: 'critical', cvss: 9.8, knownExploited: true };
const HIGH: RiskFinding = { id: 'CVE-2024-0001', severity: 'high', cvss: 7.5, knownExploited: false };
const MED: RiskFinding = { id: 'CVE-2024-0002', severity: 'medium', cvss: 5.3, knownExploited: false };
const LOW: RiskFinding = { id: 'CVE-2024-0004', severity: 'low', cvss: 2.1, knownExploited: false };
const UNSIGNED = { signed: false, knownPublisher: false };
const SIGNED_UNKNOWN = { signed: true, knownPublisher: false };

const BASE: RiskInputs = {
  privilege: 'user',
  signature: { signed: true, knownPublisher: true },
  dataAccess: 'none',
  sbomPresent: true,
  findings: [],
  deviceCount: 0,
  requiresReboot: false,
  hasScripts: false,
  dependencies: 0,
  multiStep: false,
  history: null,
};

/** Golden vectors: [name, inputs over BASE, score, Σ contributions in milli-points]. Hand-checked; see docs/risk-and-policy.md. */
const GOLDEN: [string, Partial<RiskInputs>, number, number][] = [
  ['minimal: user, signed known, no data, 0 devices, never deployed', {}, 5, 5000],
  ['one device (log10 1 = 0)', { deviceCount: 1 }, 5, 5000],
  ['ten devices', { deviceCount: 10 }, 7, 7000],
  ['10k devices', { deviceCount: 10_000 }, 13, 13000],
  ['100k devices caps blast radius', { deviceCount: 100_000 }, 15, 15000],
  ['10M devices still capped', { deviceCount: 10_000_000 }, 15, 15000],
  ['admin privilege', { privilege: 'admin' }, 17, 17000],
  ['system privilege', { privilege: 'system' }, 21, 21000],
  ['kernel driver', { privilege: 'kernel_driver' }, 25, 25000],
  ['signed, unknown publisher (12.5 rounds half up)', { signature: SIGNED_UNKNOWN }, 13, 12500],
  ['unsigned', { signature: UNSIGNED }, 20, 20000],
  ['regulated data', { dataAccess: 'regulated' }, 15, 15000],
  ['no SBOM', { sbomPresent: false }, 20, 20000],
  ['medium + low findings', { findings: [MED, LOW] }, 11, 11200],
  ['one high finding', { findings: [HIGH] }, 16, 16250],
  ['known-exploited critical', { findings: [KEV] }, 23, 22500],
  ['complex install caps dependencies at 0.2', { requiresReboot: true, hasScripts: true, dependencies: 5, multiStep: true }, 15, 15000],
  ['clean history', { history: { deployments: 10, rollbacks: 0, failedRings: 0 } }, 0, 0],
  ['bad history caps at 1', { history: { deployments: 10, rollbacks: 3, failedRings: 4 } }, 10, 10000],
  [
    'boundary 50 (exactly 50.000)',
    { privilege: 'admin', signature: UNSIGNED, dataAccess: 'sensitive', deviceCount: 10_000, requiresReboot: true },
    50,
    50000,
  ],
  [
    'boundary 51 (50.500 rounds half up)',
    {
      privilege: 'admin',
      signature: UNSIGNED,
      dataAccess: 'sensitive',
      deviceCount: 100_000,
      requiresReboot: true,
      history: { deployments: 4, rollbacks: 1, failedRings: 1 },
    },
    51,
    50500,
  ],
  [
    'boundary 75 (74.500 rounds up to 75)',
    { privilege: 'admin', signature: UNSIGNED, dataAccess: 'regulated', deviceCount: 100_000, findings: [HIGH], sbomPresent: false },
    75,
    74500,
  ],
  [
    'boundary 75 (exactly 75.000)',
    {
      privilege: 'admin',
      signature: UNSIGNED,
      dataAccess: 'regulated',
      deviceCount: 1000,
      findings: [KEV],
      sbomPresent: false,
      multiStep: true,
    },
    75,
    75000,
  ],
  [
    'boundary 76 (75.500 rounds up to 76)',
    {
      privilege: 'system',
      signature: SIGNED_UNKNOWN,
      dataAccess: 'regulated',
      deviceCount: 100_000,
      findings: [KEV],
      sbomPresent: false,
      multiStep: true,
    },
    76,
    75500,
  ],
  [
    'boundary 76 (exactly 76.000)',
    {
      privilege: 'admin',
      signature: UNSIGNED,
      dataAccess: 'sensitive',
      deviceCount: 100_000,
      findings: [KEV],
      sbomPresent: false,
      multiStep: true,
    },
    76,
    76000,
  ],
  ['bytes never verified raise a known signer to 0.5 supply chain', { artifactVerified: false }, 13, 12500],
  ['bytes verified (explicit) change nothing', { artifactVerified: true }, 5, 5000],
  ['unsigned and unverified stays at 1 (no double count)', { signature: UNSIGNED, artifactVerified: false }, 20, 20000],
  ['signed unknown and unverified stays at 0.5', { signature: SIGNED_UNKNOWN, artifactVerified: false }, 13, 12500],
  [
    'every factor at maximum = 100',
    {
      privilege: 'kernel_driver',
      signature: UNSIGNED,
      dataAccess: 'regulated',
      sbomPresent: false,
      findings: [KEV, HIGH],
      deviceCount: 1_000_000,
      requiresReboot: true,
      hasScripts: true,
      dependencies: 3,
      multiStep: true,
      history: { deployments: 10, rollbacks: 5, failedRings: 5 },
    },
    100,
    100000,
  ],
];

describe('risk model v1: golden vectors', () => {
  for (const [name, delta, score, total] of GOLDEN) {
    it(`${name} → ${score}`, () => {
      const r = scoreRisk({ ...BASE, ...delta });
      assert.equal(r.totalMilli, total);
      assert.equal(r.score, score);
      assert.equal(
        r.factors.reduce((s, f) => s + f.contributionMilli, 0),
        r.totalMilli,
      );
    });
  }

  it('an unverified artifact says so in the supply-chain reason', () => {
    const f = scoreRisk({ ...BASE, artifactVerified: false }).factors.find((x) => x.name === 'supplyChain')!;
    assert.match(f.reason, /never verified/);
  });

  it('identical results on every run (digest of all vectors twice)', () => {
    const digest = () =>
      createHash('sha256')
        .update(JSON.stringify(GOLDEN.map(([, d]) => scoreRisk({ ...BASE, ...d }))))
        .digest('hex');
    assert.equal(digest(), digest());
  });

  it('explains every factor with input, value, contribution and a one-line reason, plus the model version', () => {
    const r = scoreRisk({ ...BASE, findings: [KEV], privilege: 'system' });
    assert.equal(r.modelVersion, 'risk-v1');
    assert.deepEqual(
      r.factors.map((f) => f.name),
      Object.keys(RISK_WEIGHTS),
    );
    for (const f of r.factors) {
      assert.ok(f.input.length > 0 && f.reason.length > 0 && !f.reason.includes('\n'), f.name);
      assert.equal(f.contributionMilli, f.weight * f.valuePermille);
      assert.ok(Number.isInteger(f.valuePermille) && f.valuePermille >= 0 && f.valuePermille <= 1000);
    }
    assert.match(r.factors.find((f) => f.name === 'exploitability')!.input, /CVE-2024-0003/);
  });

  it('weights sum to 100', () => {
    assert.equal(
      Object.values(RISK_WEIGHTS).reduce((a, b) => a + b, 0),
      100,
    );
  });

  it('integer log10 is exact at powers of ten and monotonic', () => {
    assert.equal(log10Milli(1), 0);
    assert.equal(log10Milli(10), 1000);
    assert.equal(log10Milli(1000), 3000);
    assert.equal(log10Milli(2), 301);
    assert.equal(log10Milli(0), 0);
    for (let n = 1; n < 2000; n += 37) assert.ok(log10Milli(n + 1) >= log10Milli(n));
  });

  it('bands follow the policy thresholds', () => {
    assert.deepEqual([50, 51, 75, 76].map(riskBand), ['low', 'medium', 'medium', 'high']);
  });
});
