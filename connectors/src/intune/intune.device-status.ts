import type { ConnectorCall, DeployRingResult, RingMember } from '../connector';
import { boundedVendorText, deviceState, ringDeviceStatus, vendorCode } from '../shared/device-status';
import type { ReportedState, RingDeviceStatus } from '../shared/device-status';
import type { IntuneDeviceStatus } from './intune.connector';

/** Maps one getDeviceInstallStatusReport row (AppInstallState, HexErrorCode, AppInstallStateDetails) to a device state. */
export function intuneDeviceState(row: IntuneDeviceStatus): ReportedState {
  const s = String(row.AppInstallState ?? '').toLowerCase();
  const at = typeof row.LastModifiedDateTime === 'string' ? row.LastModifiedDateTime : undefined;
  if (s === 'installed') return deviceState('succeeded', { at });
  if (s === 'failed') {
    return deviceState('failed', {
      errorCode: vendorCode(row.HexErrorCode),
      errorMessage: boundedVendorText(row.AppInstallStateDetails) ?? boundedVendorText(row.AppInstallState_loc),
      at,
    });
  }
  if (s === 'notapplicable') return deviceState('not_applicable', { at });
  if (s === 'notinstalled' || s === 'uninstalled') return deviceState('removed', { at });
  return deviceState('pending', { at });
}

/** Per-device status of exactly `members` from the app's device install status report (rows keyed by DeviceId). */
export async function intuneRingDevices(
  reader: { deviceStatuses(req: ConnectorCall & { deployment: DeployRingResult }): Promise<IntuneDeviceStatus[]> },
  req: ConnectorCall & { deployment: DeployRingResult },
  members: readonly RingMember[],
): Promise<RingDeviceStatus> {
  const rows = await reader.deviceStatuses(req);
  const reported = new Map<string, ReportedState>();
  for (const r of rows) if (typeof r.DeviceId === 'string') reported.set(r.DeviceId, intuneDeviceState(r));
  return ringDeviceStatus(members, reported);
}
