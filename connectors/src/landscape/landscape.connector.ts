import { convergeLandscapeTag } from './landscape.ring-target';
import { createHmac } from 'node:crypto';
import { InputError, NotAllowedError, NotFoundError } from '@eucora/core';
import type { ConnectorCall, DeployRingRequest, DeployRingResult, PlaneConnector, RingBaseline } from '../connector';
import type { RingStatusCall, RingStatusResult } from '../shared/device-status';
import { landscapeRingDevices } from './landscape.device-status';
import { PlaneHttp, type OutboundCheck } from '../shared/http-client';
import { cleanErrorCode, vendorErrorCode } from '../shared/http-errors';
import type { ResilientCaller } from '../shared/resilience';
import { shellQuote } from '../shared/escape';
import { artifactTitle } from '../shared/natural-key';

/** Where and how to reach one Landscape server (legacy API keys). */
export interface LandscapeOptions {
  /** e.g. https://landscape.contoso.com */
  baseUrl: string;
  accessKey: string;
  secretKey: string;
  caller?: ResilientCaller;
  /** How far back a resumed deploy looks for the activity group it may have created before a crash, days; default 30. */
  resumeLookbackDays?: number;
  /** Outbound-URL guard run before every request; default none. */
  check?: OutboundCheck;
}

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Signature v2 of the legacy API. Written here independently of the simulator's verifier on purpose: the contract tests
 * then check two implementations of vendor-contracts.md §4 against each other.
 */
export function signLandscape(secret: string, verb: string, host: string, path: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(params[k]!)}`)
    .join('&');
  return createHmac('sha256', secret).update(`${verb}\n${host.toLowerCase()}\n${path}\n${canonical}`).digest('base64');
}

/**
 * Script titles (unique on Landscape) per intent and ring: ExecuteScript's summary is `Run script: <title>`, so a title
 * unique per ring makes the activity group findable by its summary after a crash.
 */
export function landscapeTitles(req: Pick<DeployRingRequest, 'intentId' | 'artifact'> & { ring: { index: number } }) {
  const what = artifactTitle(req.artifact);
  const base = `eucora ${req.intentId} r${req.ring.index} ${what}`;
  return { install: `${base} install`, uninstall: `${base} uninstall` };
}

/** The summary Landscape gives the activity group of an ExecuteScript (contracts A4). */
export const landscapeSummary = (title: string) => `Run script: ${title}`;

/** Presigned download URLs in install scripts live this long (the script may run for later rings too), s: 7 days. */
const CONTENT_URL_TTL_S = 7 * 86_400;

/**
 * The install script: with verified content, the computer downloads the bytes from a presigned URL, checks their SHA-256
 * and runs the install command in that folder; without content, the install command alone (e.g. an apt package).
 */
async function installScript(req: DeployRingRequest): Promise<string> {
  if (!req.content) return `#!/bin/sh\nset -e\n${req.artifact.installCommand}\n`;
  const dir = `/var/tmp/eucora-${req.content.sha256}`;
  const file = `${dir}/${req.content.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const url = await req.content.downloadUrl(CONTENT_URL_TTL_S);
  return [
    '#!/bin/sh',
    'set -e',
    `mkdir -p ${shellQuote(dir)}`,
    `curl -fsSL -o ${shellQuote(file)} ${shellQuote(url)}`,
    `echo ${shellQuote(`${req.content.sha256}  ${file}`)} | sha256sum -c -`,
    `cd ${shellQuote(dir)}`,
    req.artifact.installCommand,
    '',
  ].join('\n');
}

interface Activity {
  id: number;
  parent_id: number | null;
  summary: string;
  activity_status: string;
  creation_time?: string;
}

/** Work CancelActivities may still stop; finished or running activities answer InvalidActivityStatusChange. */
const CANCEL_STATUSES = ['undelivered', 'scheduled', 'unapproved'] as const;

/**
 * Landscape connector (vendor-contracts.md §4, A4): install and uninstall scripts per intent and ring (looked up by their
 * unique title before CreateScript; DuplicateScript adopts), one ExecuteScript per ring on `tag:<ring group>`.
 * ExecuteScript always creates a new activity group; its id is returned at once (the workflow persists it before polling)
 * and a deploy that crashed before that finds it by summary `Run script: <title>` with `parent_id` null among groups
 * created after the look-back, and resumes it. Status from `parent-id:<group>`; rollback cancels only undelivered,
 * scheduled and unapproved work and runs the uninstall script (which must still exist) on the same computers.
 */
export class LandscapeConnector implements PlaneConnector {
  readonly plane = 'landscape' as const;
  private readonly http: PlaneHttp;
  private readonly url: URL;

  constructor(private readonly opts: LandscapeOptions) {
    this.url = new URL(opts.baseUrl);
    this.http = new PlaneHttp({ plane: 'landscape', baseUrl: opts.baseUrl, caller: opts.caller, check: opts.check });
  }

  async action<T>(action: string, params: Record<string, string>, accept: number[] = []): Promise<{ status: number; body: T }> {
    const all: Record<string, string> = {
      ...params,
      action,
      access_key_id: this.opts.accessKey,
      signature_method: 'HmacSHA256',
      signature_version: '2',
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      version: '2011-08-01',
    };
    all.signature = signLandscape(this.opts.secretKey, 'POST', this.url.host, '/api/', all);
    const res = await this.http.send('POST', '/api/', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(all),
      accept: [401, ...accept],
    });
    if (res.status === 401)
      throw new NotAllowedError(`landscape answered 401 (${vendorErrorCode(res.text) ?? 'credentials or signature refused'})`);
    return { status: res.status, body: JSON.parse(res.text) as T };
  }

  private async script(title: string, code: string): Promise<number> {
    const find = () => this.findScript(title);
    const existing = await find();
    if (existing) return existing;
    const res = await this.action<{ id?: number; error?: string }>(
      'CreateScript',
      { title, code: Buffer.from(code).toString('base64'), time_limit: '1800', username: 'root', access_group: 'global' },
      [400],
    );
    if (res.status === 400) {
      if (res.body.error === 'DuplicateScript') return (await find())!;
      throw new InputError(`landscape CreateScript failed (${cleanErrorCode(res.body.error) ?? 'unknown error'})`);
    }
    return res.body.id!;
  }

  private async findScript(title: string): Promise<number | undefined> {
    return (await this.action<{ id: number; title: string }[]>('GetScripts', {})).body.find((s) => s.title === title)?.id;
  }

  /** The activity group an earlier attempt started for `title`, if any (unique title → unique summary). */
  private async findGroup(title: string): Promise<number | undefined> {
    const since = new Date(Date.now() - (this.opts.resumeLookbackDays ?? 30) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const groups = (await this.action<Activity[]>('GetActivities', { query: `type:ActivityGroup created-after:${since}` })).body;
    const mine = groups.filter((g) => g.parent_id === null && g.summary === landscapeSummary(title)).sort((a, b) => a.id - b.id);
    return mine[0]?.id;
  }

  private async execute(scriptId: number, title: string, query: string): Promise<{ id: number; adopted: boolean }> {
    const found = await this.findGroup(title);
    if (found !== undefined) return { id: found, adopted: true };
    const group = (await this.action<Activity>('ExecuteScript', { query, script_id: String(scriptId), username: 'root' })).body;
    if (typeof group.id !== 'number') throw new InputError('landscape ExecuteScript returned no activity group id');
    return { id: group.id, adopted: false };
  }

  async ringBaseline(): Promise<RingBaseline> {
    return {};
  }

  /** With `ring.members`: the tag `targetKey` converged onto exactly them (landscape.ring-target.ts); else the legacy group tag. */
  private async ringTag(req: DeployRingRequest): Promise<string> {
    if (!req.ring.members) return req.ring.deviceGroup;
    if (!req.ring.targetKey) throw new InputError('landscape: a ring with members needs its targetKey');
    await convergeLandscapeTag((a, p, acc) => this.action(a, p, acc), req.ring.targetKey, req.ring.members);
    return req.ring.targetKey;
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    const t = landscapeTitles(req);
    const scriptId = await this.script(t.install, await installScript(req));
    await this.script(t.uninstall, `#!/bin/sh\nset -e\n${req.artifact.uninstallCommand}\n`);
    const query = `tag:${await this.ringTag(req)}`;
    const run = await this.execute(scriptId, t.install, query);
    return { plane: 'landscape', objectIds: { activityGroupId: String(run.id), query, uninstallTitle: t.uninstall }, adopted: run.adopted };
  }

  async ringStatus(req: RingStatusCall): Promise<RingStatusResult> {
    if (req.ring?.members) return landscapeRingDevices(this, req, req.ring.members);
    const children = (
      await this.action<Activity[]>('GetActivities', { query: `parent-id:${Number(req.deployment.objectIds.activityGroupId)}` })
    ).body;
    const n = (...s: string[]) => children.filter((c) => s.includes(c.activity_status)).length;
    return {
      targeted: children.length,
      succeeded: n('succeeded'),
      failed: n('failed', 'canceled'),
      pending: n('undelivered', 'unapproved', 'delivered', 'scheduled'),
      notApplicable: 0,
    };
  }

  async rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void> {
    const o = req.deployment.objectIds;
    const gid = Number(o.activityGroupId);
    if (!Number.isInteger(gid))
      throw new InputError(`landscape rollback: no activity group id in the deployment (${String(o.activityGroupId)})`);
    for (const status of CANCEL_STATUSES) await this.action('CancelActivities', { query: `parent-id:${gid} status:${status}` });
    const scriptId = await this.findScript(o.uninstallTitle!);
    // Recreating a missing uninstall script would need its code, which only the intent has: fail rather than run a no-op.
    if (scriptId === undefined) throw new NotFoundError(`landscape rollback: uninstall script "${o.uninstallTitle}" no longer exists`);
    await this.execute(scriptId, o.uninstallTitle!, o.query!);
  }
}
