import { NotAllowedError } from '@eucora/core';
import type { ConnectorCall, DeployRingRequest, DeployRingResult, DeviceCounts, PlaneConnector, RingBaseline } from '../connector';
import { PlaneHttp } from '../shared/http-client';
import type { ResilientCaller } from '../shared/resilience';

/** Where and how to reach one Jamf Pro. */
export interface JamfOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  caller?: ResilientCaller;
  /** Parallel policy-log reads; Jamf asks for at most 5 connections. Default 5. */
  concurrency?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Natural keys: package per artifact version; smart group and policy per intent and ring. */
export function jamfNames(req: Pick<DeployRingRequest, 'intentId' | 'artifact'> & { ring: { index: number } }) {
  return {
    packageName: `${req.artifact.name}-${req.artifact.version}`,
    group: `EUCORA ${req.intentId} ring${req.ring.index}`,
    policy: `EUCORA ${req.intentId} ring${req.ring.index} install`,
    uninstall: `EUCORA ${req.intentId} ring${req.ring.index} uninstall`,
  };
}

/**
 * Jamf Pro connector (vendor-contracts.md §2): OAuth token; package looked up by name (JSON API) before create; smart group
 * (criterion = ring group) and policy (Classic XML) looked up case-insensitively by name before create, and a 409 "Duplicate
 * name" adopts the existing object. Status from each computer's policy logs; rollback disables the install policy and
 * adds an uninstall policy for the same group.
 */
export class JamfConnector implements PlaneConnector {
  readonly plane = 'jamf' as const;
  private readonly http: PlaneHttp;
  private token: { value: string; until: number } | undefined;

  constructor(private readonly opts: JamfOptions) {
    this.http = new PlaneHttp({ plane: 'jamf', baseUrl: opts.baseUrl, caller: opts.caller, describe: (t) => t.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300) });
  }

  private async bearer(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const res = await this.http.send('POST', '/api/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.opts.clientId, client_secret: this.opts.clientSecret }),
    });
    const j = JSON.parse(res.text) as { access_token: string; expires_in: number };
    this.token = { value: j.access_token, until: Date.now() + Math.max(0, j.expires_in - 30) * 1000 };
    return j.access_token;
  }

  async req(method: string, path: string, body?: { json?: unknown; xml?: string }, accept: number[] = [], retried = false): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.bearer()}`, accept: 'application/json' };
    if (body?.json !== undefined) headers['content-type'] = 'application/json';
    if (body?.xml !== undefined) headers['content-type'] = 'application/xml';
    const res = await this.http.send(method, path, { headers, body: body?.json !== undefined ? JSON.stringify(body.json) : body?.xml, accept: [401, ...accept] });
    if (res.status === 401) {
      if (retried) throw new NotAllowedError('jamf answered 401 after a token refresh');
      this.token = undefined;
      return this.req(method, path, body, accept, true);
    }
    return res;
  }

  private async findByName(list: 'computer_groups' | 'policies', name: string): Promise<number | undefined> {
    const path = list === 'policies' ? '/JSSResource/policies' : '/JSSResource/computergroups';
    const items = (JSON.parse((await this.req('GET', path)).text) as Record<string, { id: number; name: string }[]>)[list] ?? [];
    return items.find((i) => i.name.toLowerCase() === name.toLowerCase())?.id;
  }

  private async createClassic(list: 'computer_groups' | 'policies', name: string, path: string, xml: string): Promise<{ id: number; created: boolean }> {
    const existing = await this.findByName(list, name);
    if (existing) return { id: existing, created: false };
    const res = await this.req('POST', path, { xml }, [409]);
    if (res.status === 409) {
      // A concurrent or earlier attempt created it between our lookup and the POST: adopt it.
      const id = await this.findByName(list, name);
      if (id) return { id, created: false };
    }
    return { id: Number(/<id>(\d+)<\/id>/.exec(res.text)?.[1]), created: true };
  }

  private async packageId(req: DeployRingRequest): Promise<number> {
    const { packageName } = jamfNames(req);
    const found = JSON.parse((await this.req('GET', `/api/v1/packages?page=0&page-size=100&sort=id&filter=${encodeURIComponent(`packageName=="${packageName}"`)}`)).text) as { results: { id: string }[] };
    if (found.results[0]) return Number(found.results[0].id);
    const res = await this.req('POST', '/api/v1/packages', { json: { packageName, fileName: `${packageName}.pkg`, categoryId: '-1', priority: 10, info: `EUCORA ${req.intentId}`, notes: req.artifact.sha256, rebootRequired: false, osInstall: false, suppressUpdates: false, hashType: 'SHA3_512', hashValue: req.artifact.sha256 } });
    return Number((JSON.parse(res.text) as { id: string }).id);
  }

  private policyXml(name: string, groupId: number, packageId: number, action: 'Install' | 'Uninstall'): string {
    return `<policy><general><name>${esc(name)}</name><enabled>true</enabled><frequency>Once per computer</frequency><category><name>EUCORA</name></category></general><scope><computer_groups><computer_group><id>${groupId}</id></computer_group></computer_groups></scope><package_configuration><packages><size>1</size><package><id>${packageId}</id><action>${action}</action></package></packages></package_configuration><maintenance><recon>true</recon></maintenance></policy>`;
  }

  async ringBaseline(): Promise<RingBaseline> {
    return {};
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    const names = jamfNames(req);
    const packageId = await this.packageId(req);
    const group = await this.createClassic('computer_groups', names.group, '/JSSResource/computergroups/id/0',
      `<computer_group><name>${esc(names.group)}</name><is_smart>true</is_smart><criteria><criterion><name>EUCORA Ring</name><priority>0</priority><and_or>and</and_or><search_type>is</search_type><value>${esc(req.ring.deviceGroup)}</value></criterion></criteria></computer_group>`);
    const policy = await this.createClassic('policies', names.policy, '/JSSResource/policies/id/0', this.policyXml(names.policy, group.id, packageId, 'Install'));
    return { plane: 'jamf', objectIds: { packageId: String(packageId), groupId: String(group.id), policyId: String(policy.id), uninstallName: names.uninstall }, adopted: !group.created && !policy.created };
  }

  async ringStatus(req: ConnectorCall & { deployment: DeployRingResult }): Promise<DeviceCounts> {
    const o = req.deployment.objectIds;
    const group = JSON.parse((await this.req('GET', `/JSSResource/computergroups/id/${o.groupId}`)).text) as { computer_group: { computers: { id: number }[] } };
    const computers = group.computer_group.computers;
    const outcomes: ('succeeded' | 'failed' | 'pending')[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(this.opts.concurrency ?? 5, computers.length) }, async () => {
        while (next < computers.length) {
          const c = computers[next++]!;
          const h = JSON.parse((await this.req('GET', `/JSSResource/computerhistory/id/${c.id}/subset/PolicyLogs`)).text) as { computer_history: { policy_logs: { policy_id: number; status: string }[] } };
          const log = h.computer_history.policy_logs.find((l) => String(l.policy_id) === o.policyId);
          outcomes.push(!log ? 'pending' : log.status === 'Failed' ? 'failed' : 'succeeded');
        }
      }),
    );
    const n = (s: string) => outcomes.filter((x) => x === s).length;
    return { targeted: computers.length, succeeded: n('succeeded'), failed: n('failed'), pending: n('pending'), notApplicable: 0 };
  }

  async rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void> {
    const o = req.deployment.objectIds;
    await this.req('PUT', `/JSSResource/policies/id/${o.policyId}`, { xml: '<policy><general><enabled>false</enabled></general></policy>' }, [404]);
    await this.createClassic('policies', o.uninstallName!, '/JSSResource/policies/id/0', this.policyXml(o.uninstallName!, Number(o.groupId), Number(o.packageId), 'Uninstall'));
  }
}
