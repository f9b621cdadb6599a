import type { ConnectorCall, DeployRingResult, DeviceCounts, DeviceState, RingBaseline, RingMember, RingTarget } from '../connector';

/** What `ringStatus` receives: the deployment, the (legacy) baseline and the ring with its members. */
export type RingStatusCall = ConnectorCall & { deployment: DeployRingResult; baseline?: RingBaseline; ring?: RingTarget };

/** What `ringStatus` returns: counts, and per-device states when the ring's members were given. */
export type RingStatusResult = DeviceCounts & { devices?: DeviceState[] };

/** Per-device states of exactly a ring's members, with the counts computed from them. */
export type RingDeviceStatus = DeviceCounts & { devices: DeviceState[] };

/** A per-device state without its key (what a plane row maps to). */
export type ReportedState = Omit<DeviceState, 'deviceKey'>;

/** Longest vendor error message kept per device (characters). */
export const DEVICE_ERROR_MESSAGE_MAX = 256;

/**
 * A vendor's own structured error text, made safe to store and show: control characters become spaces, runs of space
 * collapse, and the result is cut at `max` characters (default DEVICE_ERROR_MESSAGE_MAX). Non-strings give undefined.
 */
export function boundedVendorText(v: unknown, max = DEVICE_ERROR_MESSAGE_MAX): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v)
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // Cut on code points so a surrogate pair is never split.
  const cut = [...s].slice(0, max).join('');
  return cut.length ? cut : undefined;
}

/** A short vendor code (hex error, enforcement state, result code): `[A-Za-z0-9_.:-]`, at most 32 characters. */
export function vendorCode(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  return /^[A-Za-z0-9_.:-]{1,32}$/.test(s) ? s : undefined;
}

/**
 * Per-device states of exactly the ring's `members`: a member the plane does not report (yet) is pending, plane rows for
 * devices outside the ring are ignored; counts are computed from those states only (no baseline).
 */
export function ringDeviceStatus(members: readonly RingMember[], reported: ReadonlyMap<string, ReportedState>): RingDeviceStatus {
  const devices: DeviceState[] = [];
  const counts: DeviceCounts = { targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 };
  const seen = new Set<string>();
  for (const m of members) {
    if (seen.has(m.deviceKey)) continue;
    seen.add(m.deviceKey);
    const r = reported.get(m.deviceKey);
    const d: DeviceState = r ? { deviceKey: m.deviceKey, ...r } : { deviceKey: m.deviceKey, state: 'pending' };
    devices.push(d);
    counts.targeted++;
    if (d.state === 'succeeded') counts.succeeded++;
    else if (d.state === 'failed') counts.failed++;
    // Removed (rolled back) is no install success: it counts with not-applicable, outside the success ratio.
    else if (d.state === 'not_applicable' || d.state === 'removed') counts.notApplicable++;
    else counts.pending++;
  }
  return { ...counts, devices };
}

/** Drops undefined fields so states compare and serialise cleanly. */
export function deviceState(
  state: DeviceState['state'],
  extra: { errorCode?: string; errorMessage?: string; at?: string } = {},
): ReportedState {
  const out: ReportedState = { state };
  if (extra.errorCode !== undefined) out.errorCode = extra.errorCode;
  if (extra.errorMessage !== undefined) out.errorMessage = extra.errorMessage;
  if (extra.at !== undefined && !Number.isNaN(Date.parse(extra.at))) out.at = new Date(extra.at).toISOString();
  return out;
}
