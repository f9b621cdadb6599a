import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseFindings } from './findings';

// Shapes follow each tool's documented JSON output (trivy --format json, grype -o json, CycloneDX 1.5 vulnerabilities).
const trivy = {
  SchemaVersion: 2,
  ArtifactName: 'app.msi',
  ArtifactType: 'filesystem',
  Results: [
    {
      Target: 'requirements.txt',
      Class: 'lang-pkgs',
      Type: 'pip',
      Vulnerabilities: [
        {
          VulnerabilityID: 'CVE-2023-32681',
          PkgName: 'requests',
          InstalledVersion: '2.25.1',
          FixedVersion: '2.31.0',
          Severity: 'MEDIUM',
          CVSS: { nvd: { V3Vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N', V3Score: 6.1 }, redhat: { V3Score: 5.9 } },
        },
        {
          VulnerabilityID: 'CVE-2024-3094',
          PkgName: 'xz',
          InstalledVersion: '5.6.0',
          FixedVersion: '5.6.2',
          Severity: 'CRITICAL',
          CVSS: { nvd: { V3Score: 10 } },
        },
      ],
    },
    { Target: 'app', Class: 'os-pkgs' },
  ],
};
const grype = {
  matches: [
    {
      vulnerability: {
        id: 'CVE-2021-44228',
        dataSource: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
        severity: 'Critical',
        cvss: [
          {
            version: '3.1',
            vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
            metrics: { baseScore: 10, exploitabilityScore: 3.9, impactScore: 6 },
          },
        ],
        fix: { versions: ['2.15.0'], state: 'fixed' },
        knownExploited: [{ cve: 'CVE-2021-44228', KnownRansomwareCampaignUse: 'Known' }],
      },
      artifact: { name: 'log4j-core', version: '2.14.1', type: 'java-archive' },
    },
    {
      vulnerability: { id: 'GHSA-xxxx', severity: 'Low', cvss: [], fix: { versions: [], state: 'not-fixed' } },
      artifact: { name: 'lib', version: '1.0' },
    },
  ],
};
const vex = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  vulnerabilities: [
    {
      id: 'CVE-2022-22965',
      ratings: [{ severity: 'critical', score: 9.8, method: 'CVSSv31' }],
      affects: [{ ref: 'pkg:maven/org.springframework/spring-beans@5.3.17' }],
      analysis: { state: 'exploitable' },
    },
    {
      id: 'CVE-2020-0001',
      ratings: [{ severity: 'high', score: 7.5 }],
      affects: [{ ref: 'pkg:npm/x@1' }],
      analysis: { state: 'not_affected', justification: 'code_not_reachable' },
    },
  ],
};

describe('vulnerability findings normalisation', () => {
  it('Trivy: every vulnerability of every result, highest CVSS across sources', () => {
    const f = normaliseFindings(trivy)!;
    assert.deepEqual(
      f.map((x) => [x.id, x.severity, x.cvss, x.packageName, x.fixedVersion]),
      [
        ['CVE-2023-32681', 'medium', 6.1, 'requests', '2.31.0'],
        ['CVE-2024-3094', 'critical', 10, 'xz', '5.6.2'],
      ],
    );
  });

  it('Grype: severity, CVSS, fix and known-exploited', () => {
    const f = normaliseFindings(grype)!;
    assert.equal(f[0]!.knownExploited, true);
    assert.equal(f[0]!.severity, 'critical');
    assert.equal(f[0]!.fixedVersion, '2.15.0');
    assert.equal(f[1]!.cvss, undefined);
    assert.equal(f[1]!.knownExploited, false);
  });

  it('CycloneDX VEX: not-affected statements are dropped', () => {
    const f = normaliseFindings(vex)!;
    assert.deepEqual(
      f.map((x) => x.id),
      ['CVE-2022-22965'],
    );
    assert.equal(f[0]!.cvss, 9.8);
  });

  it('absent report → no findings; unknown format → null', () => {
    assert.deepEqual(normaliseFindings(undefined), []);
    assert.equal(normaliseFindings({ hello: 'world' }), null);
  });
});
