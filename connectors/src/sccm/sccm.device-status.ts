import type { ConnectorCall, DeployRingResult, RingMember } from '../connector';
import { deviceState, ringDeviceStatus } from '../shared/device-status';
import type { ReportedState, RingDeviceStatus } from '../shared/device-status';

/** SMS_AppDeploymentAssetDetails EnforcementState values that name a failure (class docs), with their meaning. */
const ENFORCEMENT_FAILURES: Record<number, string> = {
  6: 'General failure',
  7: 'Failed to enforce',
  11: 'Failed to install',
  12: 'Failed to uninstall',
  13: 'Failed to evaluate',
};

/** One asset-details row (contracts §3 Status). */
export interface SccmAssetDetail {
  MachineID: number;
  AppStatusType: number;
  EnforcementState?: number;
}

/** AppStatusType 1 success, 2 in progress, 3 requirements not met, 4 unknown, 5 error (with its EnforcementState). */
export function sccmDeviceState(row: SccmAssetDetail): ReportedState {
  if (row.AppStatusType === 1) return deviceState('succeeded');
  if (row.AppStatusType === 3) return deviceState('not_applicable');
  if (row.AppStatusType === 5) {
    const es = Number.isInteger(row.EnforcementState) ? row.EnforcementState! : undefined;
    return deviceState('failed', {
      errorCode: es === undefined ? 'AppStatusType 5' : `EnforcementState ${es}`,
      errorMessage: (es !== undefined && ENFORCEMENT_FAILURES[es]) || 'Error',
    });
  }
  return deviceState('pending');
}

/** Per-device status of exactly `members` (deviceKey = ResourceID = MachineID) from the assignment's asset details. */
export async function sccmRingDevices(
  http: { call<T>(method: string, path: string): Promise<{ status: number; body: T }> },
  req: ConnectorCall & { deployment: DeployRingResult },
  members: readonly RingMember[],
): Promise<RingDeviceStatus> {
  const id = Number(req.deployment.objectIds.assignmentId);
  const filter = encodeURIComponent(`AssignmentID eq ${id}`);
  const select = 'MachineID,AppStatusType,EnforcementState';
  const reported = new Map<string, ReportedState>();
  let path: string | undefined = `/SMS_AppDeploymentAssetDetails?$filter=${filter}&$select=${select}`;
  for (let pages = 0; path && pages < 10_000; pages++) {
    type Page = { value: SccmAssetDetail[]; '@odata.nextLink'?: string };
    const page: Page = (await http.call<Page>('GET', path)).body;
    for (const r of page.value) reported.set(String(r.MachineID), sccmDeviceState(r));
    // nextLink is absolute (OData); only follow one that stays on this class.
    const link: string | undefined = page['@odata.nextLink'];
    const at: number = link ? link.indexOf('/SMS_AppDeploymentAssetDetails') : -1;
    path = at >= 0 ? link!.slice(at) : undefined;
  }
  return ringDeviceStatus(members, reported);
}
