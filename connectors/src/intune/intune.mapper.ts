import { InputError } from '@eucora/core';
import type { DeployRingRequest, DetectionRule, DeviceCounts } from '../connector';
import { intentAppName } from '../shared/natural-key';

/** Natural key of the app object: one Win32 app per artifact version and intent. */
export function appDisplayName(req: Pick<DeployRingRequest, 'intentId' | 'artifact'>): string {
  return intentAppName(req);
}

const DETECTION = '#microsoft.graph.win32LobApp';

/**
 * The intent's detection rule as one of Graph's four Win32 detection types (vendor-contracts.md §1 step 1):
 * `file` = full path of a file or folder that must exist; `registry` = key path, optionally `<key>::<valueName>` for a value
 * that must exist; `product_code` = the MSI product code `{GUID}`; `script` = PowerShell text (sent base64).
 */
export function detectionRuleBody(rule: DetectionRule): Record<string, unknown> {
  switch (rule.type) {
    case 'file': {
      const v = rule.value.replace(/[\\/]+$/, '');
      const cut = Math.max(v.lastIndexOf('\\'), v.lastIndexOf('/'));
      if (cut <= 0 || cut === v.length - 1) throw new InputError(`Intune: file detection needs a full path, got "${rule.value}"`);
      return {
        '@odata.type': `${DETECTION}FileSystemDetection`,
        path: v.slice(0, cut),
        fileOrFolderName: v.slice(cut + 1),
        check32BitOn64System: false,
        detectionType: 'exists',
        operator: 'notConfigured',
        detectionValue: null,
      };
    }
    case 'registry': {
      const [keyPath, valueName] = rule.value.split('::');
      return {
        '@odata.type': `${DETECTION}RegistryDetection`,
        check32BitOn64System: false,
        keyPath: keyPath!,
        valueName: valueName || null,
        detectionType: 'exists',
        operator: 'notConfigured',
        detectionValue: null,
      };
    }
    case 'product_code': {
      const code = rule.value.trim();
      if (!/^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$/.test(code)) {
        throw new InputError(`Intune: product code must be an MSI {GUID}, got "${rule.value}"`);
      }
      return {
        '@odata.type': `${DETECTION}ProductCodeDetection`,
        productCode: code,
        productVersionOperator: 'notConfigured',
        productVersion: null,
      };
    }
    case 'script':
      return {
        '@odata.type': `${DETECTION}PowerShellScriptDetection`,
        enforceSignatureCheck: false,
        runAs32Bit: false,
        scriptContent: Buffer.from(rule.value, 'utf8').toString('base64'),
      };
  }
}

/** The win32LobApp create body (vendor-contracts.md §1 step 1, B "App: fileName, setupFilePath"). */
export function win32AppBody(req: DeployRingRequest, file: { fileName: string; setupFile: string }): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.win32LobApp',
    displayName: appDisplayName(req),
    description: `Deployed by EUCORA intent ${req.intentId}`,
    publisher: req.artifact.publisher,
    fileName: file.fileName,
    setupFilePath: file.setupFile,
    installCommandLine: req.artifact.installCommand,
    uninstallCommandLine: req.artifact.uninstallCommand,
    installExperience: { runAsAccount: 'system' },
    minimumSupportedOperatingSystem: { v10_1607: true },
    applicableArchitectures: 'x64',
    detectionRules: [detectionRuleBody(req.artifact.detectionRule)],
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
  return (
    (s.installedDeviceCount ?? 0) +
    (s.failedDeviceCount ?? 0) +
    (s.notApplicableDeviceCount ?? 0) +
    (s.notInstalledDeviceCount ?? 0) +
    (s.pendingInstallDeviceCount ?? 0)
  );
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
