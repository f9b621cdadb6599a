import type { ConnectorCall, DeployRingResult, RingMember } from '../connector';
import { boundedVendorText, deviceState, ringDeviceStatus, vendorCode } from '../shared/device-status';
import type { ReportedState, RingDeviceStatus } from '../shared/device-status';

/** One child activity of an ActivityGroup (contracts §4 Status). */
export interface LandscapeChild {
  computer_id: number;
  activity_status: string;
  result_code?: number | null;
  result_text?: string | null;
  completion_time?: string | null;
  creation_time?: string | null;
}

/** succeeded / failed (result_code + result_text) / canceled (failed) / anything else pending. */
export function landscapeDeviceState(c: LandscapeChild): ReportedState {
  const at = c.completion_time ?? c.creation_time ?? undefined;
  if (c.activity_status === 'succeeded') return deviceState('succeeded', { at });
  if (c.activity_status === 'failed') {
    const errorCode = vendorCode(c.result_code ?? undefined) ?? 'failed';
    return deviceState('failed', { errorCode, errorMessage: boundedVendorText(c.result_text), at });
  }
  if (c.activity_status === 'canceled') {
    return deviceState('failed', { errorCode: 'canceled', errorMessage: boundedVendorText(c.result_text), at });
  }
  return deviceState('pending', { at });
}

/** Per-device status of exactly `members` (deviceKey = computer id) from the children of the ring's ActivityGroup. */
export async function landscapeRingDevices(
  api: { action<T>(action: string, params: Record<string, string>): Promise<{ status: number; body: T }> },
  req: ConnectorCall & { deployment: DeployRingResult },
  members: readonly RingMember[],
): Promise<RingDeviceStatus> {
  const gid = Number(req.deployment.objectIds.activityGroupId);
  const children = (await api.action<LandscapeChild[]>('GetActivities', { query: `parent-id:${gid}` })).body;
  const reported = new Map<string, ReportedState>();
  for (const c of children) {
    if (c.computer_id !== undefined && c.computer_id !== null) reported.set(String(c.computer_id), landscapeDeviceState(c));
  }
  return ringDeviceStatus(members, reported);
}
