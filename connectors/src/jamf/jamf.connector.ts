import { convergeJamfStaticGroup } from './jamf.ring-target';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ConflictError, InputError, NotFoundError, UpstreamUnavailableError } from '@eucora/core';
import { vendorErrorCode } from '../shared/http-errors';
import { xmlText } from '../shared/escape';
import type { ArtifactContent, ConnectorCall, DeployRingRequest, DeployRingResult, PlaneConnector, RingBaseline } from '../connector';
import type { RingStatusCall, RingStatusResult } from '../shared/device-status';
import { jamfRingDevices } from './jamf.device-status';
import { BearerToken, PlaneHttp, type FetchedToken, type OutboundCheck } from '../shared/http-client';
import type { ResilientCaller } from '../shared/resilience';

/** Where and how to reach one Jamf Pro. */
export interface JamfOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  caller?: ResilientCaller;
  /** Outbound-URL guard run before every request; default none. */
  check?: OutboundCheck;
  /** Parallel policy-log reads; Jamf asks for at most 5 connections. Default 5. */
  concurrency?: number;
}

/** How long the connector waits for Jamf to show the uploaded package's `hashValue`, ms. */
const HASH_WAIT_MS = 120_000;

/** Natural keys: package per artifact version; policies and the uninstall script per intent and ring. */
export function jamfNames(req: Pick<DeployRingRequest, 'intentId' | 'artifact'> & { ring: { index: number } }) {
  return {
    packageName: `${req.artifact.name}-${req.artifact.version}`,
    policy: `EUCORA ${req.intentId} ring${req.ring.index} install`,
    uninstall: `EUCORA ${req.intentId} ring${req.ring.index} uninstall`,
    uninstallScript: `EUCORA ${req.intentId} uninstall`,
  };
}

/**
 * Jamf Pro connector (vendor-contracts.md §2, A2): OAuth token; package looked up by name (JSON API) before create, its file
 * uploaded (`POST /api/v1/packages/{id}/upload`, multipart `file`, streamed from the verified content) until Jamf shows
 * its SHA3-512 `hashValue`, which must match the bytes sent; the ring's static computer group found by name
 * (`ring.deviceGroup`); an Install policy (Classic XML, `trigger_checkin`) looked up case-insensitively by name before
 * create, a 409 "Duplicate name" adopting the existing one. Status from each computer's policy logs. Rollback disables
 * the install policy and adds a policy running the intent's uninstall command as a script (not package action
 * `Uninstall`, which removes nothing for packages uploaded since Jamf Pro 11.7).
 */
export class JamfConnector implements PlaneConnector {
  readonly plane = 'jamf' as const;
  private readonly http: PlaneHttp;

  constructor(private readonly opts: JamfOptions) {
    // The token endpoint shares the plane's policy but carries no bearer token of its own.
    const token = new PlaneHttp({ plane: 'jamf', baseUrl: opts.baseUrl, caller: opts.caller, check: opts.check });
    const auth = new BearerToken(() => this.fetchToken(token));
    this.http = new PlaneHttp({ plane: 'jamf', baseUrl: opts.baseUrl, caller: token.caller, check: opts.check, auth });
  }

  private async fetchToken(http: PlaneHttp): Promise<FetchedToken> {
    const res = await http.send('POST', '/api/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.opts.clientId, client_secret: this.opts.clientSecret }),
    });
    const j = JSON.parse(res.text) as { access_token: string; expires_in: number };
    return { value: j.access_token, expiresAt: Date.now() + Math.max(0, j.expires_in - 30) * 1000 };
  }

  async req(
    method: string,
    path: string,
    body?: { json?: unknown; xml?: string },
    accept: number[] = [],
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body?.json !== undefined) headers['content-type'] = 'application/json';
    if (body?.xml !== undefined) headers['content-type'] = 'application/xml';
    return this.http.send(method, path, { headers, body: body?.json !== undefined ? JSON.stringify(body.json) : body?.xml, accept });
  }

  private async policyByName(name: string): Promise<number | undefined> {
    const items =
      (JSON.parse((await this.req('GET', '/JSSResource/policies')).text) as { policies?: { id: number; name: string }[] }).policies ?? [];
    return items.find((i) => i.name.toLowerCase() === name.toLowerCase())?.id;
  }

  private async createPolicy(name: string, xml: string): Promise<{ id: number; created: boolean }> {
    const existing = await this.policyByName(name);
    if (existing) return { id: existing, created: false };
    const res = await this.req('POST', '/JSSResource/policies/id/0', { xml }, [409]);
    if (res.status === 409) {
      // A concurrent or earlier attempt created it between our lookup and the POST: adopt it — or say why not.
      const id = await this.policyByName(name);
      if (id) return { id, created: false };
      throw new ConflictError(`jamf answered 409 to policy "${name}" and no policy of that name exists`);
    }
    const id = Number(/<id>(\d+)<\/id>/.exec(res.text)?.[1]);
    if (!Number.isInteger(id) || id <= 0) throw new InputError(`jamf policy create for "${name}" returned no id`);
    return { id, created: true };
  }

  /** The ring's static group, by name (contracts A2: `GET /JSSResource/computergroups/name/{name}`). */
  private async groupId(name: string): Promise<number> {
    const res = await this.req('GET', `/JSSResource/computergroups/name/${encodeURIComponent(name)}`, undefined, [404]);
    if (res.status === 404) throw new NotFoundError(`jamf: no computer group named "${name}" (the ring's static group)`);
    const id = (JSON.parse(res.text) as { computer_group?: { id?: number } }).computer_group?.id;
    if (typeof id !== 'number') throw new InputError(`jamf: computer group "${name}" has no id`);
    return id;
  }

  private async packageRecord(id: number): Promise<{ hashType?: string | null; hashValue?: string | null }> {
    return JSON.parse((await this.req('GET', `/api/v1/packages/${id}`)).text) as { hashType?: string; hashValue?: string };
  }

  /** Streams the verified bytes as multipart `file` (never buffered) and returns their SHA3-512 as sent. */
  private async upload(id: number, content: ArtifactContent): Promise<string> {
    const boundary = `eucora-${randomUUID()}`;
    const name = content.fileName.replace(/["\r\n]/g, '_');
    let sent = '';
    // Through PlaneHttp like every other request: outbound guard, pinned address, no redirects, no body echoed.
    await this.http.send('POST', `/api/v1/packages/${id}/upload`, {
      headers: { accept: 'application/json', 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: {
        open: async () => {
          const source = await content.open();
          const sha3 = createHash('sha3-512');
          const head = Buffer.from(
            `--${boundary}\r\n` +
              `Content-Disposition: form-data; name="file"; filename="${name}"\r\n` +
              'Content-Type: application/octet-stream\r\n\r\n',
          );
          const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
          async function* parts() {
            yield head;
            for await (const chunk of source) {
              sha3.update(chunk as Buffer);
              yield chunk as Buffer;
            }
            sent = sha3.digest('hex');
            yield tail;
          }
          return Readable.from(parts());
        },
      },
    });
    return sent;
  }

  private async assertSameBytes(
    name: string,
    pkg: { hashType?: string | null; hashValue?: string | null },
    content: ArtifactContent,
  ): Promise<void> {
    const algo = pkg.hashType === 'SHA3_512' ? 'sha3-512' : pkg.hashType === 'MD5' ? 'md5' : undefined;
    if (!algo) return; // an unknown hash type cannot be compared; Jamf's own checks apply
    const h = createHash(algo);
    for await (const chunk of await content.open()) h.update(chunk as Buffer);
    if (h.digest('hex') !== String(pkg.hashValue).toLowerCase())
      throw new ConflictError(`jamf package "${name}" already exists with other bytes than the verified artifact`);
  }

  /** Package by name, created when absent, with its file uploaded and Jamf's SHA3-512 matching the verified bytes. */
  private async packageId(req: DeployRingRequest): Promise<number> {
    const { packageName } = jamfNames(req);
    const filter = encodeURIComponent(`packageName=="${packageName}"`);
    type Found = { id: string; hashType?: string | null; hashValue?: string | null };
    const found = JSON.parse((await this.req('GET', `/api/v1/packages?page=0&page-size=100&sort=id&filter=${filter}`)).text) as {
      results: Found[];
    };
    let id = found.results[0] ? Number(found.results[0].id) : undefined;
    const existing = found.results[0];
    if (existing?.hashValue && id !== undefined) {
      // Already uploaded (by us or by an admin): adopt it only if it holds the verified bytes.
      if (req.content) await this.assertSameBytes(packageName, existing, req.content);
      return id;
    }
    if (!req.content)
      throw new InputError(`jamf: package "${packageName}" has no uploaded file and the intent's artifact bytes are not available`);
    if (id === undefined) {
      const res = await this.req('POST', '/api/v1/packages', {
        json: {
          packageName,
          fileName: req.content.fileName,
          categoryId: '-1',
          priority: 10,
          info: `EUCORA ${req.intentId}`,
          notes: `sha256 ${req.artifact.sha256}`,
          fillUserTemplate: false,
          rebootRequired: false,
          osInstall: false,
          suppressUpdates: false,
          suppressFromDock: false,
          suppressEula: false,
          suppressRegistration: false,
        },
      });
      id = Number((JSON.parse(res.text) as { id?: string }).id);
      if (!Number.isInteger(id) || id <= 0) throw new InputError(`jamf package create for "${packageName}" returned no id`);
    }
    const sent = await this.upload(id, req.content);
    const until = Date.now() + HASH_WAIT_MS;
    for (let wait = 100; ; wait = Math.min(wait * 2, 5000)) {
      const p = await this.packageRecord(id);
      if (p.hashValue) {
        if (p.hashType !== 'SHA3_512' || p.hashValue.toLowerCase() !== sent)
          throw new InputError(`jamf package ${id}: hash after upload (${p.hashType}) does not match the bytes sent`);
        return id;
      }
      if (Date.now() > until)
        throw new UpstreamUnavailableError(`jamf package ${id}: no hashValue ${HASH_WAIT_MS / 1000}s after upload`, 'jamf');
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private policyXml(name: string, groupId: number, what: { packageId: number } | { scriptId: number; parameter4: string }): string {
    const payload =
      'packageId' in what
        ? '<package_configuration><packages><size>1</size>' +
          `<package><id>${what.packageId}</id><action>Install</action></package></packages></package_configuration>`
        : '<scripts><size>1</size>' +
          `<script><id>${what.scriptId}</id><priority>After</priority><parameter4>${xmlText(what.parameter4)}</parameter4></script>` +
          '</scripts>';
    return (
      `<policy><general><name>${xmlText(name)}</name><enabled>true</enabled><trigger_checkin>true</trigger_checkin>` +
      '<frequency>Once per computer</frequency><category><name>EUCORA</name></category></general>' +
      `<scope><computer_groups><computer_group><id>${groupId}</id></computer_group></computer_groups></scope>` +
      `${payload}<maintenance><recon>true</recon></maintenance></policy>`
    );
  }

  /** The uninstall script (the intent's uninstall command), looked up by name before `POST /api/v1/scripts`. */
  private async scriptId(name: string, contents: string): Promise<number> {
    const find = async () => {
      const r = JSON.parse(
        (await this.req('GET', `/api/v1/scripts?page=0&page-size=100&filter=${encodeURIComponent(`name=="${name}"`)}`)).text,
      ) as { results: { id: string }[] };
      return r.results[0] ? Number(r.results[0].id) : undefined;
    };
    const existing = await find();
    if (existing) return existing;
    const res = await this.req(
      'POST',
      '/api/v1/scripts',
      { json: { name, scriptContents: contents, priority: 'AFTER', categoryId: '-1', info: 'EUCORA rollback' } },
      [400],
    );
    if (res.status === 400) {
      const raced = await find();
      if (raced) return raced;
      throw new InputError(`jamf refused script "${name}" (${vendorErrorCode(res.text) ?? 'HTTP 400'})`);
    }
    const id = Number((JSON.parse(res.text) as { id?: string }).id);
    if (!Number.isInteger(id) || id <= 0) throw new InputError(`jamf script create for "${name}" returned no id`);
    return id;
  }

  /** With `ring.members`: the static group `targetKey` converged to them (jamf.ring-target.ts); else the legacy named group. */
  private async ringGroupId(req: DeployRingRequest): Promise<number> {
    if (!req.ring.members) return this.groupId(req.ring.deviceGroup);
    if (!req.ring.targetKey) throw new InputError('jamf: a ring with members needs its targetKey');
    return (await convergeJamfStaticGroup((m, p, b, a) => this.req(m, p, b, a), req.ring.targetKey, req.ring.members)).groupId;
  }

  async ringBaseline(): Promise<RingBaseline> {
    return {};
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    const names = jamfNames(req);
    const packageId = await this.packageId(req);
    const groupId = await this.ringGroupId(req);
    const policy = await this.createPolicy(names.policy, this.policyXml(names.policy, groupId, { packageId }));
    return {
      plane: 'jamf',
      objectIds: {
        packageId: String(packageId),
        packageName: names.packageName,
        groupId: String(groupId),
        policyId: String(policy.id),
        uninstallName: names.uninstall,
        uninstallScript: names.uninstallScript,
        uninstallCommand: req.artifact.uninstallCommand,
      },
      adopted: !policy.created,
    };
  }
  async ringStatus(req: RingStatusCall): Promise<RingStatusResult> {
    if (req.ring?.members) return jamfRingDevices(this, req, req.ring.members, this.opts.concurrency ?? 5);
    const o = req.deployment.objectIds;
    const group = JSON.parse((await this.req('GET', `/JSSResource/computergroups/id/${o.groupId}`)).text) as {
      computer_group: { computers: { id: number }[] };
    };
    const computers = group.computer_group.computers;
    const outcomes: ('succeeded' | 'failed' | 'pending')[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(this.opts.concurrency ?? 5, computers.length) }, async () => {
        while (next < computers.length) {
          const c = computers[next++]!;
          const h = JSON.parse((await this.req('GET', `/JSSResource/computerhistory/id/${c.id}/subset/PolicyLogs`)).text) as {
            computer_history: { policy_logs: { policy_id: number; status: string }[] };
          };
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
    if (!o.uninstallCommand) throw new InputError('jamf rollback: the deployment carries no uninstall command');
    await this.req(
      'PUT',
      `/JSSResource/policies/id/${o.policyId}`,
      { xml: '<policy><general><enabled>false</enabled></general></policy>' },
      [404],
    );
    const scriptId = await this.scriptId(o.uninstallScript!, `#!/bin/sh\n${o.uninstallCommand}\n`);
    await this.createPolicy(
      o.uninstallName!,
      this.policyXml(o.uninstallName!, Number(o.groupId), { scriptId, parameter4: o.packageName! }),
    );
  }
}
