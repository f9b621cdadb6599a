import type { ConnectorCall, DeployRingResult, RingMember } from '../connector';
import { boundedVendorText, deviceState, ringDeviceStatus } from '../shared/device-status';
import type { ReportedState, RingDeviceStatus } from '../shared/device-status';

/** One `job_host_summaries` row (contracts §5 Status). */
export interface AwxHostSummary {
  host_name: string;
  ok?: number;
  changed?: number;
  failures: number;
  dark: number;
  skipped?: number;
  failed: boolean;
}

/** Job states that are still running (no host summaries yet). */
const ACTIVE = new Set(['new', 'pending', 'waiting', 'running']);

/** dark > 0 = unreachable, failures > 0 or failed = a task failed, else succeeded. */
export function awxDeviceState(h: AwxHostSummary): ReportedState {
  if (h.dark > 0) return deviceState('failed', { errorCode: 'unreachable', errorMessage: `dark=${h.dark}` });
  if (h.failed || h.failures > 0) return deviceState('failed', { errorCode: 'failures', errorMessage: `failures=${h.failures}` });
  return deviceState('succeeded');
}

/** Every host summary of a finished job, following `next` with page_size 200 (AWX's cap). */
export async function awxHostSummaries(
  api: { json<T>(method: string, path: string): Promise<{ status: number; body: T }> },
  jobId: string,
): Promise<AwxHostSummary[]> {
  const out: AwxHostSummary[] = [];
  for (let page = 1; page < 100_000; page++) {
    const path = `/api/v2/jobs/${jobId}/job_host_summaries/?page_size=200&page=${page}`;
    const body = (await api.json<{ next: string | null; results: AwxHostSummary[] }>('GET', path)).body;
    out.push(...body.results);
    if (!body.next || body.results.length === 0) break;
  }
  return out;
}

/**
 * Per-device status of exactly `members` (deviceKey = host name): all pending while the job runs; once it has ended, a
 * member the play never reached failed with the job's status as its code.
 */
export async function awxRingDevices(
  api: { json<T>(method: string, path: string): Promise<{ status: number; body: T }> },
  req: ConnectorCall & { deployment: DeployRingResult },
  members: readonly RingMember[],
): Promise<RingDeviceStatus> {
  const jobId = String(req.deployment.objectIds.jobId);
  type Job = { status: string; job_explanation?: string; finished?: string | null };
  const job = (await api.json<Job>('GET', `/api/v2/jobs/${jobId}/`)).body;
  const reported = new Map<string, ReportedState>();
  if (!ACTIVE.has(job.status)) {
    for (const h of await awxHostSummaries(api, jobId)) reported.set(h.host_name, awxDeviceState(h));
    const missed = deviceState('failed', {
      errorCode: `job_${job.status}`.slice(0, 32),
      errorMessage: boundedVendorText(job.job_explanation) ?? 'host not in the play',
      at: job.finished ?? undefined,
    });
    for (const m of members) if (!reported.has(m.deviceKey)) reported.set(m.deviceKey, missed);
  }
  return ringDeviceStatus(members, reported);
}
