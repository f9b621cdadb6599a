import { createHmac } from 'node:crypto';
import { InputError, NotAllowedError } from '@eucora/core';
import type { ConnectorCall, DeployRingRequest, DeployRingResult, DeviceCounts, PlaneConnector, RingBaseline } from '../connector';
import { PlaneHttp } from '../shared/http-client';
import type { ResilientCaller } from '../shared/resilience';

/** Where and how to reach one Landscape server (legacy API keys). */
export interface LandscapeOptions {
  /** e.g. https://landscape.contoso.com */
  baseUrl: string;
  accessKey: string;
  secretKey: string;
  caller?: ResilientCaller;
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

/** Script titles (unique on Landscape) for an intent's artifact. */
export function landscapeTitles(req: Pick<DeployRingRequest, 'intentId' | 'artifact'>) {
  const what = `${req.artifact.name} ${req.artifact.version}`;
  return { install: `eucora ${req.intentId} ${what} install`, uninstall: `eucora ${req.intentId} ${what} uninstall` };
}

interface Activity {
  id: number;
  summary: string;
  activity_status: string;
}

/**
 * Landscape connector (vendor-contracts.md §4): install and uninstall scripts per intent (looked up by their unique title
 * before CreateScript; DuplicateScript adopts), one ExecuteScript per ring on `tag:<ring group>`. ExecuteScript always
 * creates a new activity group, so before executing the connector looks for the group it may have created already (by its
 * summary) and resumes that one. Status from the group's child activities; rollback cancels undelivered work and runs the
 * uninstall script on the same computers.
 */
export class LandscapeConnector implements PlaneConnector {
  readonly plane = 'landscape' as const;
  private readonly http: PlaneHttp;
  private readonly url: URL;

  constructor(private readonly opts: LandscapeOptions) {
    this.url = new URL(opts.baseUrl);
    this.http = new PlaneHttp({ plane: 'landscape', baseUrl: opts.baseUrl, caller: opts.caller, describe: (t) => t.slice(0, 300) });
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
    const res = await this.http.send('POST', '/api/', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(all), accept: [401, ...accept] });
    if (res.status === 401) throw new NotAllowedError(`landscape refused the credentials or signature: ${res.text.slice(0, 200)}`);
    return { status: res.status, body: JSON.parse(res.text) as T };
  }

  private async script(title: string, code: string): Promise<number> {
    const find = async () => (await this.action<{ id: number; title: string }[]>('GetScripts', {})).body.find((s) => s.title === title)?.id;
    const existing = await find();
    if (existing) return existing;
    const res = await this.action<{ id?: number; error?: string }>('CreateScript', { title, code: Buffer.from(code).toString('base64'), time_limit: '1800', username: 'root', access_group: 'global' }, [400]);
    if (res.status === 400) {
      if (res.body.error === 'DuplicateScript') return (await find())!;
      throw new InputError(`landscape CreateScript failed: ${res.body.error}`);
    }
    return res.body.id!;
  }

  private async execute(scriptId: number, title: string, query: string): Promise<{ id: number; adopted: boolean }> {
    const summary = `Run script: ${title} on ${query}`;
    const groups = (await this.action<Activity[]>('GetActivities', { query: 'type:ActivityGroup' })).body;
    const found = groups.find((g) => g.summary === summary);
    if (found) return { id: found.id, adopted: true };
    return { id: (await this.action<Activity>('ExecuteScript', { query, script_id: String(scriptId), username: 'root' })).body.id, adopted: false };
  }

  async ringBaseline(): Promise<RingBaseline> {
    return {};
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    const t = landscapeTitles(req);
    const scriptId = await this.script(t.install, `#!/bin/sh\nset -e\n${req.artifact.installCommand}\n`);
    await this.script(t.uninstall, `#!/bin/sh\nset -e\n${req.artifact.uninstallCommand}\n`);
    const query = `tag:${req.ring.deviceGroup}`;
    const run = await this.execute(scriptId, t.install, query);
    return { plane: 'landscape', objectIds: { activityGroupId: String(run.id), query, uninstallTitle: t.uninstall }, adopted: run.adopted };
  }

  async ringStatus(req: ConnectorCall & { deployment: DeployRingResult }): Promise<DeviceCounts> {
    const children = (await this.action<Activity[]>('GetActivities', { query: `parent-id:${req.deployment.objectIds.activityGroupId}` })).body;
    const n = (...s: string[]) => children.filter((c) => s.includes(c.activity_status)).length;
    return { targeted: children.length, succeeded: n('succeeded'), failed: n('failed', 'canceled'), pending: n('undelivered', 'unapproved', 'delivered', 'scheduled'), notApplicable: 0 };
  }

  async rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void> {
    const o = req.deployment.objectIds;
    await this.action('CancelActivities', { query: `parent-id:${o.activityGroupId}` });
    // The uninstall script was created with the install one; the fallback body only matters if it was deleted since.
    const scriptId = await this.script(o.uninstallTitle!, '#!/bin/sh\nexit 0\n');
    await this.execute(scriptId, o.uninstallTitle!, o.query!);
  }
}
