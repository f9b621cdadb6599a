import { convergeAwxGroup } from './awx.ring-target';
import { InputError, NotFoundError } from '@eucora/core';
import type { ConnectorCall, DeployRingRequest, DeployRingResult, PlaneConnector, RingBaseline } from '../connector';
import type { RingStatusCall, RingStatusResult } from '../shared/device-status';
import { awxHostSummaries, awxRingDevices } from './awx.device-status';
import { BearerToken, PlaneHttp, type OutboundCheck } from '../shared/http-client';
import type { ResilientCaller } from '../shared/resilience';

/** Where and how to reach one AWX/Tower. */
export interface AwxOptions {
  baseUrl: string;
  username: string;
  password: string;
  /** Template that installs (`extra_vars`: package_name, package_version, sha256, install_command); default `eucora-deploy`. */
  deployTemplate?: string;
  /** Template that uninstalls; default `eucora-rollback`. */
  rollbackTemplate?: string;
  /** Inventory that holds ring groups; default the deploy template's own `inventory`. */
  inventoryId?: number;
  /** Organization of the launch labels; default the job template's own `organization`. */
  organizationId?: number;
  caller?: ResilientCaller;
  /** Outbound-URL guard run before every request; default none. */
  check?: OutboundCheck;
}

interface Job {
  id: number;
  status: string;
}

/** Presigned artifact URLs handed to a playbook live this long, s: 1 day. */
const CONTENT_URL_TTL_S = 86_400;

const ACTIVE = new Set(['new', 'pending', 'waiting', 'running']);

/** Label that tags a launch so a retry finds the job instead of launching again (AWX launches are never idempotent). */
export function awxLabel(req: Pick<DeployRingRequest, 'intentId'> & { ring: { index: number } }, step: 'deploy' | 'rollback'): string {
  return `eucora:${req.intentId}:ring${req.ring.index}:${step}`;
}

/** What the connector needs the template to prompt for; anything else AWX would silently ignore. */
const REQUIRED_PROMPTS = ['ask_limit_on_launch', 'ask_labels_on_launch', 'ask_variables_on_launch'] as const;

/**
 * AWX connector (vendor-contracts.md §5, A5, Corrections to Part 1): a ring is a job of the deploy template with `limit` =
 * the ring's inventory group, tagged with a label (by id, looked up or created in the template's organization before each
 * launch) naming intent, ring and step; before every launch the label's jobs are looked up, so a repeated deploy finds
 * the job it launched before. It refuses to launch unless `GET …/launch/` shows the template prompts for limit, labels
 * and variables, and cancels a job whose launch answer lists `ignored_fields` (AWX would run it with the template's own
 * limit: every host). Status from the job and its host summaries; rollback cancels a still-running deploy job
 * (405 = already finished, fine) and launches the rollback template.
 */
export class AwxConnector implements PlaneConnector {
  readonly plane = 'awx' as const;
  private readonly http: PlaneHttp;

  constructor(private readonly opts: AwxOptions) {
    // The token endpoint takes Basic credentials, so it goes through a client without the bearer token.
    const token = new PlaneHttp({ plane: 'awx', baseUrl: opts.baseUrl, caller: opts.caller, check: opts.check });
    const auth = new BearerToken(async () => {
      const basic = Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64');
      const res = await token.send('POST', '/api/v2/tokens/', {
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
        body: '{}',
      });
      return { value: (JSON.parse(res.text) as { token: string }).token };
    });
    this.http = new PlaneHttp({ plane: 'awx', baseUrl: opts.baseUrl, caller: token.caller, check: opts.check, auth });
  }

  async json<T>(method: string, path: string, body?: unknown, accept?: number[]): Promise<{ status: number; body: T }> {
    const headers = { 'content-type': 'application/json' };
    const res = await this.http.send(method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body), accept });
    return { status: res.status, body: (res.text ? JSON.parse(res.text) : null) as T };
  }

  private async template(name: string): Promise<{ id: number; organization: number | null }> {
    const r = await this.json<{ results: { id: number; organization?: number | null }[] }>(
      'GET',
      `/api/v2/job_templates/?name=${encodeURIComponent(name)}`,
    );
    const t = r.body.results[0];
    if (!t) throw new NotFoundError(`AWX: no job template named "${name}"`);
    return { id: t.id, organization: t.organization ?? null };
  }

  private async findJob(label: string): Promise<Job | undefined> {
    const r = await this.json<{ results: Job[] }>('GET', `/api/v2/jobs/?labels__name=${encodeURIComponent(label)}&order_by=-id`);
    return r.body.results[0];
  }

  /** Label id for `name` in `organization`: looked up, created when absent (labels vanish with their last job). */
  private async labelId(name: string, organization: number): Promise<number> {
    const find = async () => {
      const q = `name=${encodeURIComponent(name)}&organization=${organization}`;
      return (await this.json<{ results: { id: number }[] }>('GET', `/api/v2/labels/?${q}`)).body.results[0]?.id;
    };
    const existing = await find();
    if (existing !== undefined) return existing;
    const r = await this.json<{ id?: number }>('POST', '/api/v2/labels/', { name, organization }, [400]);
    if (r.status === 400) {
      // (name, organization) is unique: a concurrent attempt created it between our lookup and the POST.
      const raced = await find();
      if (raced !== undefined) return raced;
      throw new InputError(`AWX refused to create label "${name}": ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    if (typeof r.body.id !== 'number') throw new InputError('AWX label create returned no id');
    return r.body.id;
  }

  private async launch(
    template: string,
    label: string,
    limit: string,
    extraVars: Record<string, unknown>,
  ): Promise<{ id: number; adopted: boolean }> {
    const existing = await this.findJob(label);
    if (existing) return { id: existing.id, adopted: true };
    const t = await this.template(template);
    const prompts = (await this.json<Record<string, unknown>>('GET', `/api/v2/job_templates/${t.id}/launch/`)).body;
    const missing = REQUIRED_PROMPTS.filter((p) => prompts[p] !== true);
    if (missing.length)
      throw new InputError(
        `AWX template "${template}" must prompt on launch for ${missing.join(', ')}; refusing to launch (AWX would ignore them)`,
      );
    const organization = this.opts.organizationId ?? t.organization;
    if (organization === null) throw new InputError(`AWX template "${template}" has no organization for its labels; set organizationId`);
    const labelId = await this.labelId(label, organization);
    const r = await this.json<{ job: number; ignored_fields?: Record<string, unknown> }>('POST', `/api/v2/job_templates/${t.id}/launch/`, {
      limit,
      extra_vars: extraVars,
      labels: [labelId],
    });
    const ignored = Object.keys(r.body.ignored_fields ?? {});
    if (ignored.length) {
      await this.json('POST', `/api/v2/jobs/${r.body.job}/cancel/`, undefined, [405]);
      throw new InputError(`AWX ignored ${ignored.join(', ')} on launch of "${template}"; job ${r.body.job} canceled`);
    }
    return { id: r.body.job, adopted: false };
  }

  async ringBaseline(): Promise<RingBaseline> {
    return {}; // every ring is its own job: nothing to subtract
  }

  /**
   * With `ring.members`: the group `targetKey` in the deploy template's inventory, converged to them (awx.ring-target.ts),
   * used as the job's `limit`; else the legacy group name.
   */
  private async ringLimit(req: DeployRingRequest, template: string): Promise<string> {
    if (!req.ring.members) return req.ring.deviceGroup;
    if (!req.ring.targetKey) throw new InputError('AWX: a ring with members needs its targetKey');
    const r = await this.json<{ results: { inventory?: number | null }[] }>(
      'GET',
      `/api/v2/job_templates/?name=${encodeURIComponent(template)}`,
    );
    const inventory = this.opts.inventoryId ?? r.body.results[0]?.inventory;
    if (typeof inventory !== 'number')
      throw new InputError(`AWX template "${template}" has no inventory for the ring group; set inventoryId`);
    await convergeAwxGroup((m, p, b, a) => this.json(m, p, b, a), inventory, req.ring.targetKey, req.ring.members);
    return req.ring.targetKey;
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    const template = this.opts.deployTemplate ?? 'eucora-deploy';
    const limit = await this.ringLimit(req, template);
    const { id, adopted } = await this.launch(template, awxLabel(req, 'deploy'), limit, {
      package_name: req.artifact.name,
      package_version: req.artifact.version,
      sha256: req.artifact.sha256,
      install_command: req.artifact.installCommand,
      eucora_intent: req.intentId,
      // The playbook fetches the verified bytes itself (and checks sha256); AWX gets a reference, never the bytes.
      ...(req.content ? { artifact_url: await req.content.downloadUrl(CONTENT_URL_TTL_S), artifact_file: req.content.fileName } : {}),
    });
    return { plane: 'awx', objectIds: { jobId: String(id), limit, ringIndex: String(req.ring.index), intentId: req.intentId }, adopted };
  }

  async ringStatus(req: RingStatusCall): Promise<RingStatusResult> {
    if (req.ring?.members) return awxRingDevices(this, req, req.ring.members);
    const jobId = req.deployment.objectIds.jobId!;
    const job = (await this.json<Job>('GET', `/api/v2/jobs/${jobId}/`)).body;
    if (ACTIVE.has(job.status)) return { targeted: 1, succeeded: 0, failed: 0, pending: 1, notApplicable: 0 };
    const hosts = await awxHostSummaries(this, jobId);
    const failed = hosts.filter((h) => h.failed || h.failures > 0 || h.dark > 0).length;
    if (hosts.length === 0) {
      // A job that ended without hosts failed as a whole (e.g. canceled, or the limit matched nothing).
      return job.status === 'successful'
        ? { targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 }
        : { targeted: 1, succeeded: 0, failed: 1, pending: 0, notApplicable: 0 };
    }
    return { targeted: hosts.length, succeeded: hosts.length - failed, failed, pending: 0, notApplicable: 0 };
  }

  async rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void> {
    const o = req.deployment.objectIds;
    // 202 = canceled, 405 = already finished: both fine before the rollback launch.
    await this.json('POST', `/api/v2/jobs/${o.jobId}/cancel/`, undefined, [405]);
    await this.launch(
      this.opts.rollbackTemplate ?? 'eucora-rollback',
      awxLabel({ intentId: o.intentId!, ring: { index: Number(o.ringIndex) } }, 'rollback'),
      o.limit!,
      { deploy_job_id: Number(o.jobId) },
    );
  }
}
