// Test fixtures that need no stack. Kept out of test-support/ on purpose: scripts/test.mjs sends every test file that
// mentions test-support to the integration tier, and the unit tests using these must stay in the unit tier.

/** A valid intent body (7-Zip 24.08 to `all-windows` on Intune); override top-level fields per test. */
export function sampleIntent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
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
      uninstallCommand: 'msiexec /x {23170F69-40C1-2702-2408-000001000000} /qn',
      detectionRule: { type: 'product_code', value: '{23170F69-40C1-2702-2408-000001000000}' },
    },
    targeting: { groups: ['all-windows'] },
    rollbackPlan: { strategy: 'uninstall' },
    ...overrides,
  };
}
