import { InputError, NotAllowedError, NotFoundError, UpstreamUnavailableError } from '@eucora/core';
import type { ConnectorCall, DeployRingRequest, DeployRingResult, PlaneConnector } from '../connector';
import type { RingStatusCall, RingStatusResult } from '../shared/device-status';
import { intuneRingDevices } from './intune.device-status';
import { IntuneClient, type IntuneClientOptions } from './intune.client';
import { prepareContent, type PreparedContent } from './intune.content';
import { convergeEntraGroup } from './intune.ring-target';
import { appDisplayName, ringCountsFromSummaries, win32AppBody, type InstallSummary } from './intune.mapper';
import { odataString } from '../shared/odata';

const BASE = '/beta/deviceAppManagement';

interface GraphAssignment {
  intent: string;
  target: { '@odata.type': string; groupId: string };
  settings?: unknown;
}

/** Content-upload knobs of the Intune connector (vendor-contracts.md §1 steps 2–7, B). */
export interface IntuneContentOptions {
  /** Longest wait between upload-state polls, ms; default 10 000 (the samples poll every 10 s; first polls are quicker). */
  pollMaxMs?: number;
  /** Give up waiting for one upload state after this many ms; default 10 minutes. */
  stateTimeoutMs?: number;
  /** Renew the SAS URI when it is older than this and blocks are left, ms; default 450 000 (contracts B). */
  renewAfterMs?: number;
  /** Block size in bytes; default 6 MiB. */
  blockBytes?: number;
}

interface GraphFile {
  id: string;
  name?: string;
  size?: number;
  sizeEncrypted?: number;
  uploadState: string;
  azureStorageUri: string | null;
  isCommitted: boolean;
}

interface GraphApp {
  id: string;
  publishingState?: string;
  committedContentVersion?: string | null;
}

const APP_CAST = 'microsoft.graph.win32LobApp';
const FAILED_STATE = /(Failed|TimedOut)$|^(error|unknown|transientError)$/;

/** One row of Intune's device install status report. */
export interface IntuneDeviceStatus {
  DeviceName: string;
  DeviceId: string;
  AppInstallState: string;
  AppInstallState_loc?: string;
  HexErrorCode?: string;
  LastModifiedDateTime?: string;
  [column: string]: unknown;
}

/** Upload progress, for the deployRing activity's heartbeat. */
export interface IntuneUploadProgress {
  step: 'content-version' | 'file' | 'block' | 'commit' | 'publish';
  contentVersion?: string;
  fileId?: string;
  blocksDone?: number;
  blocksTotal?: number;
}

/**
 * Intune connector. Idempotent without vendor support: the app is looked up by its natural key before create, its content
 * is resumed from the plane's own state (content versions, file `uploadState`, `isCommitted`) so a committed file is never
 * uploaded twice, and assignments are read, merged and written back whole (Graph's assign replaces the full set), so a
 * repeated deploy of the same ring leaves one app, one content file and one assignment. Assign only after `published`.
 */
export class IntuneConnector implements PlaneConnector {
  readonly plane = 'intune' as const;
  readonly client: IntuneClient;
  private readonly content: Required<IntuneContentOptions>;

  constructor(opts: IntuneClientOptions & { content?: IntuneContentOptions }) {
    this.client = new IntuneClient(opts);
    this.content = {
      pollMaxMs: opts.content?.pollMaxMs ?? 10_000,
      stateTimeoutMs: opts.content?.stateTimeoutMs ?? 10 * 60_000,
      renewAfterMs: opts.content?.renewAfterMs ?? 450_000,
      blockBytes: opts.content?.blockBytes ?? 6 * 1024 * 1024,
    };
  }

  private async findApp(displayName: string, cid?: string): Promise<GraphApp | undefined> {
    const q = encodeURIComponent(`displayName eq ${odataString(displayName)}`);
    const res = await this.client.request<{ value: GraphApp[] }>('GET', `${BASE}/mobileApps?$filter=${q}`, undefined, cid);
    return res.value[0];
  }

  private async groupId(name: string, cid?: string): Promise<string> {
    const q = encodeURIComponent(`displayName eq ${odataString(name)}`);
    const res = await this.client.request<{ value: { id: string }[] }>('GET', `/v1.0/groups?$filter=${q}`, undefined, cid);
    const g = res.value[0];
    if (!g) throw new NotFoundError(`Intune: no Entra group named "${name}"`);
    return g.id;
  }

  private async summary(appId: string, cid?: string): Promise<InstallSummary> {
    return this.client.request<InstallSummary>('GET', `${BASE}/mobileApps/${appId}/installSummary`, undefined, cid);
  }

  private async setIntent(appId: string, groupId: string, intent: 'required' | 'uninstall', cid: string): Promise<boolean> {
    const current = (
      await this.client.request<{ value: GraphAssignment[] }>('GET', `${BASE}/mobileApps/${appId}/assignments`, undefined, cid)
    ).value;
    if (current.some((a) => a.target.groupId === groupId && a.intent === intent)) return false;
    const merged = current
      .filter((a) => a.target.groupId !== groupId)
      .map((a) => ({
        '@odata.type': '#microsoft.graph.mobileAppAssignment',
        intent: a.intent,
        target: a.target,
        settings: a.settings ?? null,
      }));
    merged.push({
      '@odata.type': '#microsoft.graph.mobileAppAssignment',
      intent,
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId },
      settings: null,
    });
    await this.client.request('POST', `${BASE}/mobileApps/${appId}/assign`, { mobileAppAssignments: merged }, cid);
    return true;
  }

  /** Polls `get` until `done` says so; `*Pending` keeps waiting, a failed state or the timeout ends it. */
  private async poll<T>(what: string, get: () => Promise<T>, state: (t: T) => string, done: (s: string) => boolean): Promise<T> {
    const deadline = Date.now() + this.content.stateTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const t = await get();
      const s = state(t);
      if (done(s)) return t;
      if (FAILED_STATE.test(s)) throw new UpstreamUnavailableError(`Intune: ${what} ended in ${s}`, 'intune');
      if (Date.now() > deadline) {
        throw new UpstreamUnavailableError(`Intune: ${what} still ${s} after ${this.content.stateTimeoutMs} ms`, 'intune');
      }
      await new Promise((r) => setTimeout(r, Math.min(this.content.pollMaxMs, 100 * 2 ** attempt)));
    }
  }

  /** Summary of the app before a ring is assigned: the baseline its ring counts are measured from. */
  async ringBaseline(req: DeployRingRequest): Promise<InstallSummary> {
    const app = await this.findApp(appDisplayName(req), req.correlationId);
    if (app) return this.summary(app.id, req.correlationId);
    return {
      installedDeviceCount: 0,
      failedDeviceCount: 0,
      notApplicableDeviceCount: 0,
      notInstalledDeviceCount: 0,
      pendingInstallDeviceCount: 0,
    };
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    if (!req.content) throw new InputError('Intune: the artifact bytes were never verified; there is no content to upload');
    if (req.content.sha256 !== req.artifact.sha256) throw new InputError('Intune: the verified content is not the declared artifact');
    const cid = req.correlationId;
    const prepared = await prepareContent(req.artifact.format, req.content, this.content.blockBytes);
    // Mapped first: a detection rule Graph would refuse fails before anything reaches the plane.
    const body = win32AppBody(req, prepared);
    let app = await this.findApp(appDisplayName(req), cid);
    const createdApp = !app;
    if (!app) app = await this.client.request<GraphApp>('POST', `${BASE}/mobileApps`, body, cid);
    const content = await this.ensurePublished(app.id, prepared, cid, req.onProgress);
    const groupId = await this.ringGroupId(req, cid);
    const added = await this.setIntent(app.id, groupId, 'required', cid);
    return {
      plane: 'intune',
      objectIds: { appId: app.id, groupId, contentVersion: content.contentVersion, contentFileId: content.fileId },
      adopted: !createdApp && !added && !content.uploaded,
    };
  }

  /**
   * The ring's target group: with `ring.members`, the Entra group named `targetKey` converged to exactly those devices
   * (intune.ring-target.ts); without (legacy intents), the existing group named `deviceGroup`.
   */
  private async ringGroupId(req: DeployRingRequest, cid: string): Promise<string> {
    if (!req.ring.members) return this.groupId(req.ring.deviceGroup, cid);
    if (!req.ring.targetKey) throw new InputError('Intune: a ring with members needs its targetKey');
    return (await convergeEntraGroup(this.client, req.ring.targetKey, req.ring.members, cid)).groupId;
  }

  private appPath(appId: string): string {
    return `${BASE}/mobileApps/${appId}`;
  }

  private cvPath(appId: string, cv?: string): string {
    return `${this.appPath(appId)}/${APP_CAST}/contentVersions${cv ? `/${cv}` : ''}`;
  }

  /**
   * Brings the app to `published` with exactly one committed file, resuming whatever an earlier attempt left:
   * committed file → only the PATCH; file mid-upload → the same file again (all blocks); failed file → a new content version.
   */
  private async ensurePublished(
    appId: string,
    prepared: PreparedContent,
    cid: string,
    progress?: (p: Record<string, unknown>) => void,
  ): Promise<{ contentVersion: string; fileId: string; uploaded: boolean }> {
    const versions = (await this.client.request<{ value: { id: string }[] }>('GET', this.cvPath(appId), undefined, cid)).value;
    versions.sort((a, b) => Number(b.id) - Number(a.id) || b.id.localeCompare(a.id));
    let target: { cv: string; file: GraphFile | undefined } | undefined;
    for (const v of versions) {
      const files = (await this.client.request<{ value: GraphFile[] }>('GET', `${this.cvPath(appId, v.id)}/files`, undefined, cid)).value;
      const committed = files.find((f) => f.isCommitted);
      if (committed) {
        await this.publish(appId, v.id, cid, progress);
        return { contentVersion: v.id, fileId: committed.id, uploaded: false };
      }
      // Only the newest version is resumed; older unfinished ones are abandoned (Graph keeps them, they do no harm).
      if (!target) {
        const live = files.find((f) => !FAILED_STATE.test(f.uploadState));
        target = { cv: v.id, file: live };
      }
    }
    if (target?.file?.uploadState.startsWith('commitFile')) {
      // A commit was sent before a crash: its outcome decides (success → publish; failure → new version below).
      const f = await this.waitFile(appId, target.cv, target.file.id, 'commitFileSuccess', cid).catch(() => undefined);
      if (f?.isCommitted) {
        await this.publish(appId, target.cv, cid, progress);
        return { contentVersion: target.cv, fileId: f.id, uploaded: false };
      }
      target = undefined;
    }
    let cv = target?.cv;
    if (!cv) {
      progress?.({ step: 'content-version' });
      cv = (await this.client.request<{ id: string }>('POST', this.cvPath(appId), {}, cid)).id;
    }
    let file = target?.file;
    if (!file) {
      progress?.({ step: 'file', contentVersion: cv });
      file = await this.client.request<GraphFile>(
        'POST',
        `${this.cvPath(appId, cv)}/files`,
        {
          '@odata.type': '#microsoft.graph.mobileAppContentFile',
          name: prepared.fileName,
          size: prepared.size,
          sizeEncrypted: prepared.sizeEncrypted,
          manifest: null,
          isDependency: false,
        },
        cid,
      );
    }
    await this.uploadAndCommit(appId, cv, file, prepared, cid, progress);
    await this.publish(appId, cv, cid, progress);
    return { contentVersion: cv, fileId: file.id, uploaded: true };
  }

  private filePath(appId: string, cv: string, fileId: string): string {
    return `${this.cvPath(appId, cv)}/files/${fileId}`;
  }

  private async waitFile(appId: string, cv: string, fileId: string, want: string | string[], cid: string): Promise<GraphFile> {
    const wanted = Array.isArray(want) ? want : [want];
    return this.poll(
      `file ${fileId}`,
      () => this.client.request<GraphFile>('GET', this.filePath(appId, cv, fileId), undefined, cid),
      (f) => f.uploadState,
      (s) => wanted.includes(s),
    );
  }

  private async renew(appId: string, cv: string, fileId: string, cid: string): Promise<string> {
    await this.client.request('POST', `${this.filePath(appId, cv, fileId)}/renewUpload`, {}, cid);
    const f = await this.waitFile(appId, cv, fileId, 'azureStorageUriRenewalSuccess', cid);
    if (!f.azureStorageUri) throw new UpstreamUnavailableError('Intune: renewed upload has no azureStorageUri', 'intune');
    return f.azureStorageUri;
  }

  private async uploadAndCommit(
    appId: string,
    cv: string,
    created: GraphFile,
    prepared: PreparedContent,
    cid: string,
    progress?: (p: Record<string, unknown>) => void,
  ): Promise<void> {
    const fileId = created.id;
    const ready = ['azureStorageUriRequestSuccess', 'azureStorageUriRenewalSuccess'];
    let f = await this.waitFile(appId, cv, fileId, ready, cid);
    let uri = f.azureStorageUri;
    let uriAt = Date.now();
    // A resumed file's SAS may be from before the crash: renew it rather than guess its age.
    if (created.uploadState !== 'azureStorageUriRequestPending' || !uri) {
      uri = await this.renew(appId, cv, fileId, cid);
      uriAt = Date.now();
    }
    const ids = prepared.blockIds();
    let done = 0;
    for await (const block of prepared.blocks()) {
      if (Date.now() - uriAt > this.content.renewAfterMs) {
        uri = await this.renew(appId, cv, fileId, cid);
        uriAt = Date.now();
      }
      const put = (u: string) =>
        this.client.blob('PUT', `${u}&comp=block&blockid=${encodeURIComponent(block.id)}`, block.bytes, { 'x-ms-blob-type': 'BlockBlob' });
      try {
        await put(uri!);
      } catch (err) {
        // An expired SAS answers 403: renew once and put the block again.
        if (!(err instanceof NotAllowedError)) throw err;
        uri = await this.renew(appId, cv, fileId, cid);
        uriAt = Date.now();
        await put(uri);
      }
      progress?.({ step: 'block', contentVersion: cv, fileId, blocksDone: ++done, blocksTotal: ids.length });
    }
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
    await this.client.blob('PUT', `${uri}&comp=blocklist`, list, { 'content-type': 'application/xml' });
    progress?.({ step: 'commit', contentVersion: cv, fileId });
    await this.client.request('POST', `${this.filePath(appId, cv, fileId)}/commit`, { fileEncryptionInfo: prepared.encryptionInfo() }, cid);
    f = await this.waitFile(appId, cv, fileId, 'commitFileSuccess', cid);
    if (!f.isCommitted) throw new UpstreamUnavailableError('Intune: commitFileSuccess but isCommitted is false', 'intune');
  }

  private async publish(appId: string, cv: string, cid: string, progress?: (p: Record<string, unknown>) => void): Promise<void> {
    progress?.({ step: 'publish', contentVersion: cv });
    const app = await this.client.request<GraphApp>('GET', this.appPath(appId), undefined, cid);
    if (app.committedContentVersion !== cv) {
      await this.client.request(
        'PATCH',
        this.appPath(appId),
        { '@odata.type': '#microsoft.graph.win32LobApp', committedContentVersion: cv },
        cid,
      );
    }
    await this.poll(
      `app ${appId} publishing`,
      () => this.client.request<GraphApp>('GET', this.appPath(appId), undefined, cid),
      (a) => a.publishingState ?? 'unknown',
      (s) => s === 'published',
    );
  }

  async ringStatus(req: RingStatusCall): Promise<RingStatusResult> {
    // With the ring's own devices, counts come from the per-device report and the baseline is not used (issue 10).
    if (req.ring?.members) return intuneRingDevices(this, req, req.ring.members);
    const now = await this.summary(req.deployment.objectIds.appId!, req.correlationId);
    return ringCountsFromSummaries(now, req.baseline ?? {});
  }

  /**
   * Per-device install states of the deployed app (contracts §1 "Per device": getDeviceInstallStatusReport, shape
   * unverified), paged by `top`; rows keyed by the report's column names.
   */
  async deviceStatuses(req: ConnectorCall & { deployment: DeployRingResult }, pageSize = 1000): Promise<IntuneDeviceStatus[]> {
    const appId = req.deployment.objectIds.appId!;
    const select = [
      'DeviceName',
      'UserPrincipalName',
      'Platform',
      'AppVersion',
      'DeviceId',
      'LastModifiedDateTime',
      'AppInstallState',
      'AppInstallState_loc',
      'AppInstallStateDetails',
      'HexErrorCode',
    ];
    const out: IntuneDeviceStatus[] = [];
    for (let skip = 0; ;) {
      const page = await this.client.request<{ TotalRowCount: number; Schema: { Column: string }[]; Values: unknown[][] }>(
        'POST',
        '/beta/deviceManagement/reports/getDeviceInstallStatusReport',
        { select, filter: `(ApplicationId eq ${odataString(appId)})`, skip, top: pageSize, orderBy: ['DeviceName'] },
        req.correlationId,
      );
      const cols = page.Schema.map((c) => c.Column);
      for (const row of page.Values) out.push(Object.fromEntries(cols.map((c, i) => [c, row[i]])) as unknown as IntuneDeviceStatus);
      // The service may return fewer rows than `top`: advance by what came back, stop at TotalRowCount or an empty page.
      if (page.Values.length === 0 || out.length >= page.TotalRowCount) return out;
      skip += page.Values.length;
    }
  }

  async rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void> {
    await this.setIntent(req.deployment.objectIds.appId!, req.deployment.objectIds.groupId!, 'uninstall', req.correlationId);
  }
}
