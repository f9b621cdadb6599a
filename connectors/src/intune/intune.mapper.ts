import type { DeployRingRequest, DeviceCounts } from '../connector';

/** Natural key of the app object: one Win32 app per artifact version and intent. */
export function appDisplayName(req: Pick<DeployRingRequest, 'intentId' | 'artifact'>): string {
  return `${req.artifact.name} ${req.artifact.version} [eucora ${req.intentId}]`;
}

/** OData string literal: single quotes doubled. */
export function odataString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The win32LobApp create body (vendor-contracts.md §1, step 1). */
export function win32AppBody(req: DeployRingRequest): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.win32LobApp',
    displayName: appDisplayName(req),
    description: `Deployed by EUCORA intent ${req.intentId}`,
    publisher: req.artifact.publisher,
    fileName: `${req.artifact.name}-${req.artifact.version}.intunewin`,
    setupFilePath: `${req.artifact.name}-${req.artifact.version}`,
    installCommandLine: req.artifact.installCommand,
    uninstallCommandLine: req.artifact.uninstallCommand,
    installExperience: { runAsAccount: 'system' },
    minimumSupportedOperatingSystem: { v10_1607: true },
    applicableArchitectures: 'x64',
    detectionRules: [{ '@odata.type': '#microsoft.graph.win32LobAppProductCodeDetection', productCode: req.artifact.sha256.slice(0, 32) }],
    returnCodes: [
      { returnCode: 0, type: 'success' },
      { returnCode: 3010, type: 'softReboot' },
      { returnCode: 1641, type: 'hardReboot' },
      { returnCode: 1618, type: 'retry' },
    ],
  };
}

/** Graph's installSummary. */
export type InstallSummary = {
  installedDeviceCount: number;
  failedDeviceCount: number;
  notApplicableDeviceCount: number;
  notInstalledDeviceCount: number;
  pendingInstallDeviceCount: number;
};

export function summaryTotal(s: Partial<InstallSummary>): number {
  return (s.installedDeviceCount ?? 0) + (s.failedDeviceCount ?? 0) + (s.notApplicableDeviceCount ?? 0) + (s.notInstalledDeviceCount ?? 0) + (s.pendingInstallDeviceCount ?? 0);
}

/**
 * Ring counts from the app-wide summary: Graph reports per app, not per assignment, so a ring's counts are the summary now
 * minus the summary taken just before the ring was assigned (rings run one after another).
 */
export function ringCountsFromSummaries(now: InstallSummary, baseline: Partial<InstallSummary>): DeviceCounts {
  const d = (k: keyof InstallSummary) => Math.max(0, now[k] - (baseline[k] ?? 0));
  return {
    targeted: Math.max(0, summaryTotal(now) - summaryTotal(baseline)),
    succeeded: d('installedDeviceCount'),
    failed: d('failedDeviceCount'),
    pending: d('pendingInstallDeviceCount'),
    notApplicable: d('notApplicableDeviceCount'),
  };
}
