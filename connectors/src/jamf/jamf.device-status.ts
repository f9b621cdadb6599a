import type { ConnectorCall, DeployRingResult, RingMember } from '../connector';
import { boundedVendorText, deviceState, ringDeviceStatus } from '../shared/device-status';
import type { ReportedState, RingDeviceStatus } from '../shared/device-status';

/** One `policy_log` entry of a computer's history (contracts §2 Status). */
export interface JamfPolicyLog {
  policy_id: number | string;
  policy_name?: string;
  status?: string;
  date_completed_utc?: string;
}

/** The device state one computer's policy logs give for `policyId`: no entry = pending; the latest entry wins. */
export function jamfDeviceState(logs: readonly JamfPolicyLog[], policyId: string): ReportedState {
  const mine = logs.filter((l) => String(l.policy_id) === policyId);
  const last = mine.sort((a, b) => Date.parse(b.date_completed_utc ?? '') - Date.parse(a.date_completed_utc ?? ''))[0];
  if (!last) return deviceState('pending');
  const at = last.date_completed_utc;
  if (last.status === 'Failed') {
    const errorMessage = boundedVendorText(`Policy ${last.policy_name ?? policyId} failed`);
    return deviceState('failed', { errorCode: 'Failed', errorMessage, at });
  }
  return deviceState('succeeded', { at });
}

/**
 * Per-device status of exactly `members` (deviceKey = Jamf computer id) from each computer's PolicyLogs, at most
 * `concurrency` requests at once (Jamf: keep ≤ 5 connections); a computer Jamf no longer knows (404) stays pending.
 */
export async function jamfRingDevices(
  http: { req(method: string, path: string, body?: undefined, accept?: number[]): Promise<{ status: number; text: string }> },
  req: ConnectorCall & { deployment: DeployRingResult },
  members: readonly RingMember[],
  concurrency = 5,
): Promise<RingDeviceStatus> {
  const policyId = String(req.deployment.objectIds.policyId);
  const reported = new Map<string, ReportedState>();
  const keys = [...new Set(members.map((m) => m.deviceKey))].filter((k) => /^\d{1,12}$/.test(k));
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const res = await http.req('GET', `/JSSResource/computerhistory/id/${key}/subset/PolicyLogs`, undefined, [404]);
      if (res.status === 404) continue;
      const h = JSON.parse(res.text) as { computer_history?: { policy_logs?: JamfPolicyLog[] } };
      reported.set(key, jamfDeviceState(h.computer_history?.policy_logs ?? [], policyId));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, 5, keys.length)) }, worker));
  return ringDeviceStatus(members, reported);
}
