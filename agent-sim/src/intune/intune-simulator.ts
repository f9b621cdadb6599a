import { createDecipheriv, createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { hash32 } from '../sim-clock';
import { SimServer } from '../shared/sim-server';
import { FleetInventory } from '../shared/fleet-inventory';
import { intuneIds, registerIntuneInventoryRoutes } from './intune-inventory-routes';
import { EntraRingGroups } from './intune-ring-groups';

/** Content-upload behaviour of the simulated tenant (changed at run time through `POST /_sim/content`). */
/** Most rows getDeviceInstallStatusReport returns per call (simulated cap). */
export const REPORT_PAGE_CAP = 1000;
const NOT_DETECTED = 'The application was not detected after installation completed successfully.';

export interface IntuneContentConfig {
  /** How long Intune "processes" a state change (SAS issue, renewal, commit, publish) before the next GET shows it, ms; default 0. */
  processingMs: number;
  /** Lifetime of an issued SAS URI, ms; past it Put Block answers 403 AuthenticationFailed. Default 15 minutes. */
  sasLifetimeMs: number;
  /** Extra time each Put Block takes, ms (slow storage, so a test can act mid-upload); default 0. */
  blockDelayMs: number;
}

interface Assignment {
  id: string;
  intent: 'required' | 'available' | 'uninstall' | 'availableWithoutEnrollment';
  target: { '@odata.type': string; groupId: string };
  settings: unknown;
}

interface SimFile {
  id: string;
  name: string;
  size: number;
  sizeEncrypted: number;
  uploadState: string;
  /** When the pending state turns into its outcome. */
  settlesAt: number;
  pendingOutcome?: string;
  azureStorageUri: string | null;
  sas: { sig: string; expiresAt: number } | null;
  isCommitted: boolean;
  createdDateTime: string;
  blocks: Map<string, Buffer>;
  blob: Buffer | null;
  commitError?: string;
}

interface SimContentVersion {
  id: string;
  files: Map<string, SimFile>;
}

interface SimApp {
  id: string;
  body: Record<string, unknown>;
  assignments: Assignment[];
  createdDateTime: string;
  contentVersions: Map<string, SimContentVersion>;
  committedContentVersion: string | null;
  publishingState: 'notPublished' | 'processing' | 'published';
  publishAt: number;
  /** Engine keys (app:group) that received installs. */
  installKeys: Set<string>;
}

const GRAPH_BASES = ['/beta/deviceAppManagement', '/v1.0/deviceAppManagement'];
const CAST = '/microsoft.graph.win32LobApp';
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DETECTION_TYPES = ['FileSystemDetection', 'RegistryDetection', 'ProductCodeDetection', 'PowerShellScriptDetection'].map(
  (t) => `#microsoft.graph.win32LobApp${t}`,
);

function graphError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString() } } });
}

/** Azure Storage's XML error body. */
function azureError(res: Response, status: number, code: string, message: string): void {
  res
    .status(status)
    .type('application/xml')
    .setHeader('x-ms-error-code', code)
    .send(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/** Parses `displayName eq 'x'` (quotes doubled inside, as OData escapes them). */
function displayNameFilter(filter: unknown): string | null {
  if (typeof filter !== 'string') return null;
  const m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter.trim());
  return m ? m[1]!.replace(/''/g, "'") : null;
}

/** True when `buf` is a zip: local header at 0 and an end-of-central-directory record near the end. */
function looksLikeZip(buf: Buffer): boolean {
  if (buf.length < 22 || buf.readUInt32LE(0) !== 0x04034b50) return false;
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  return eocd >= 0 && eocd >= buf.length - 22 - 0xffff;
}

/** Statistics that prove idempotency: object counts by natural key, content files, blocks. */
export interface IntuneSimCounters extends Record<string, unknown> {
  apps: number;
  appsByDisplayName: Record<string, number>;
  /** How many times each (app, group) pair was newly added as a required assignment. */
  requiredAssignmentAdds: Record<string, number>;
  uninstallAssignments: number;
  /** Content files created per app id (across all its content versions). */
  contentFilesByApp: Record<string, number>;
  contentVersionsByApp: Record<string, number>;
  committedFiles: number;
  blocksPut: number;
  blockBytesPut: number;
  renewals: number;
  /** Requests that reached a `mobileApps` route (after fault injection). */
  mobileAppsRequests: number;
}

/**
 * Microsoft Intune (Graph) simulator, at least as strict as Graph on what the connector uses (vendor-contracts.md §1, A1, B):
 * client-credential tokens; win32LobApp create (four detection types) and lookup by displayName; the content state machine
 * (content versions, files with `uploadState`, SAS URIs served by a fake Azure blob endpoint on this listener, renewUpload,
 * commit verifying size, MAC, decryption and digest, `committedContentVersion` → `published`); assignments with Graph's
 * replace-all `assign`, refused while the app is not published; installSummary; groups by displayName.
 */
export class IntuneSimulator extends SimServer {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly content: IntuneContentConfig = { processingMs: 0, sasLifetimeMs: 15 * 60_000, blockDelayMs: 0 };
  private readonly tokens = new Set<string>();
  private readonly apps = new Map<string, SimApp>();
  private readonly groupIds = new Map<string, string>();
  private readonly filesById = new Map<string, { app: SimApp; file: SimFile }>();
  private counts: IntuneSimCounters = IntuneSimulator.zero();
  /** Windows and macOS devices of the fleet as Intune's inventory (intune-inventory-routes.ts). */
  readonly inventory: FleetInventory;
  /** Entra security groups created at run time as ring targets (contracts A1). */
  readonly ringGroups: EntraRingGroups;

  /** `credentials` default to the fixed demo pair `eucora-sim-client` / `eucora-sim-secret`. */
  constructor(
    fleet: FleetOptions = {},
    credentials: { clientId: string; clientSecret: string } = { clientId: 'eucora-sim-client', clientSecret: 'eucora-sim-secret' },
  ) {
    super(fleet);
    this.clientId = credentials.clientId;
    this.clientSecret = credentials.clientSecret;
    this.inventory = FleetInventory.forPlane('intune', this.fleet);
    this.ringGroups = new EntraRingGroups(this.inventory);
    this.ringGroups.onMembersAdded = (groupId, fleetIds) => {
      for (const app of this.apps.values()) {
        if (!app.assignments.some((a) => a.target.groupId === groupId && a.intent === 'required')) continue;
        this.engine.install(`${app.id}:${groupId}`, String(app.body.displayName ?? ''), fleetIds);
      }
    };
    for (const name of this.engine.groups.keys()) {
      // Stable GUID-shaped ids per group name.
      const h = [hash32(`g1:${name}`), hash32(`g2:${name}`), hash32(`g3:${name}`), hash32(`g4:${name}`)]
        .map((x) => x.toString(16).padStart(8, '0'))
        .join('');
      this.groupIds.set(name, `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`);
    }
  }

  private static zero(): IntuneSimCounters {
    return {
      apps: 0,
      appsByDisplayName: {},
      requiredAssignmentAdds: {},
      uninstallAssignments: 0,
      contentFilesByApp: {},
      contentVersionsByApp: {},
      committedFiles: 0,
      blocksPut: 0,
      blockBytesPut: 0,
      renewals: 0,
      mobileAppsRequests: 0,
    };
  }

  protected counters(): IntuneSimCounters {
    return { ...this.counts, apps: this.apps.size, ...this.ringGroups.store.stats(), deletedDevices: this.ringGroups.deletedDevices.size };
  }

  override getStats(): ReturnType<SimServer['getStats']> & IntuneSimCounters {
    return super.getStats() as ReturnType<SimServer['getStats']> & IntuneSimCounters;
  }

  protected renderError(res: Response, status: number, message: string): void {
    graphError(
      res,
      status,
      status === 429 ? 'TooManyRequests' : status >= 500 ? 'ServiceUnavailable' : status === 404 ? 'ResourceNotFound' : 'BadRequest',
      message,
    );
  }

  private groupName(groupId: string): string | undefined {
    for (const [name, id] of this.groupIds) if (id === groupId) return name;
    return undefined;
  }

  /** Group sizes by display name. */
  groupSizes(): Record<string, number> {
    return Object.fromEntries([...this.engine.groups].map(([n, m]) => [n, m.length]));
  }

  /** Forgets every app and zeroes the counters in place, so the fault middleware keeps counting into the live stats. */
  reset(): void {
    this.apps.clear();
    this.filesById.clear();
    this.counts = IntuneSimulator.zero();
    this.stats.requests = 0;
    for (const k of Object.keys(this.stats.requestsByRoute)) delete this.stats.requestsByRoute[k];
  }

  private applyAssignments(app: SimApp, next: Assignment[]): void {
    const before = new Map(app.assignments.map((a) => [a.target.groupId, a.intent]));
    const name = String(app.body.displayName ?? '');
    for (const a of next) {
      const prev = before.get(a.target.groupId);
      const key = `${app.id}:${a.target.groupId}`;
      if (a.intent === 'required' && prev !== 'required') {
        this.counts.requiredAssignmentAdds[key] = (this.counts.requiredAssignmentAdds[key] ?? 0) + 1;
        // A ring group installs on exactly its members at assignment time; a fleet group on its fleet members.
        const devices = this.ringGroups.fleetMembers(a.target.groupId) ?? this.engine.members(this.groupName(a.target.groupId) ?? '');
        this.engine.install(key, name, devices);
        app.installKeys.add(key);
      }
      if (a.intent === 'uninstall' && prev !== 'uninstall') {
        this.counts.uninstallAssignments++;
        this.engine.remove(key);
      }
    }
    app.assignments = next;
  }

  private summary(app: SimApp) {
    const c = {
      installedDeviceCount: 0,
      failedDeviceCount: 0,
      notApplicableDeviceCount: 0,
      notInstalledDeviceCount: 0,
      pendingInstallDeviceCount: 0,
    };
    for (const key of app.installKeys) {
      for (const d of this.engine.states(key)) {
        if (d.state === 'pending') c.pendingInstallDeviceCount++;
        else if (d.state === 'succeeded') c.installedDeviceCount++;
        else if (d.state === 'failed') c.failedDeviceCount++;
        else c.notInstalledDeviceCount++;
      }
    }
    return {
      '@odata.context': `https://graph.microsoft.com/beta/$metadata#deviceAppManagement/mobileApps('${app.id}')/installSummary/$entity`,
      '@odata.type': '#microsoft.graph.mobileAppInstallSummary',
      id: app.id,
      ...c,
      installedUserCount: 0,
      failedUserCount: 0,
      notApplicableUserCount: 0,
      notInstalledUserCount: 0,
      pendingInstallUserCount: 0,
    };
  }

  /** Pending states settle on the first GET after `processingMs` (Intune processes asynchronously). */
  private settle(app: SimApp, file?: SimFile): void {
    const now = Date.now();
    if (file?.pendingOutcome && now >= file.settlesAt) {
      file.uploadState = file.pendingOutcome;
      file.pendingOutcome = undefined;
      if (file.uploadState === 'commitFileSuccess') {
        file.isCommitted = true;
        this.counts.committedFiles++;
      }
    }
    if (app.publishingState === 'processing' && now >= app.publishAt) app.publishingState = 'published';
  }

  private fileView(f: SimFile) {
    return {
      '@odata.type': '#microsoft.graph.mobileAppContentFile',
      id: f.id,
      name: f.name,
      size: f.size,
      sizeEncrypted: f.sizeEncrypted,
      sizeInBytes: f.size,
      sizeEncryptedInBytes: f.sizeEncrypted,
      manifest: null,
      isDependency: false,
      uploadState: f.uploadState,
      azureStorageUri: f.azureStorageUri,
      azureStorageUriExpirationDateTime: f.sas ? new Date(f.sas.expiresAt).toISOString() : null,
      isCommitted: f.isCommitted,
      createdDateTime: f.createdDateTime,
    };
  }

  private issueSas(req: Request, f: SimFile): void {
    const sig = randomBytes(18).toString('base64url');
    const expiresAt = Date.now() + this.content.sasLifetimeMs;
    f.sas = { sig, expiresAt };
    const se = encodeURIComponent(new Date(expiresAt).toISOString());
    f.azureStorageUri = `http://${req.headers.host}/_blob/intunecontent/${f.id}.bin?sv=2019-12-12&sr=b&se=${se}&sp=rcw&sig=${sig}`;
  }

  /**
   * Commit checks (contracts B, §1 step 6): the committed blob is `sizeEncrypted` bytes, `mac‖iv‖C` with the MAC over
   * `iv‖C` under `macKey`, `iv` = `initializationVector`, C decrypts under `encryptionKey` to a zip whose SHA-256 is
   * `fileDigest` and whose length is `size`.
   */
  private verifyCommit(f: SimFile, info: Record<string, unknown>): string | null {
    const blob = f.blob;
    if (!blob) return 'no block list was committed';
    if (blob.length !== f.sizeEncrypted) return `blob is ${blob.length} bytes, sizeEncrypted says ${f.sizeEncrypted}`;
    const key = Buffer.from(String(info.encryptionKey), 'base64');
    const macKey = Buffer.from(String(info.macKey), 'base64');
    const iv = Buffer.from(String(info.initializationVector), 'base64');
    const mac = Buffer.from(String(info.mac), 'base64');
    if (key.length !== 32 || macKey.length !== 32 || iv.length !== 16 || mac.length !== 32) {
      return 'key, macKey, iv or mac has the wrong length';
    }
    const storedMac = blob.subarray(0, 32);
    const computed = createHmac('sha256', macKey).update(blob.subarray(32)).digest();
    if (!timingSafeEqual(storedMac, mac) || !timingSafeEqual(computed, mac)) return 'MAC mismatch';
    if (!blob.subarray(32, 48).equals(iv)) return 'initializationVector does not match the file';
    let plain: Buffer;
    try {
      const d = createDecipheriv('aes-256-cbc', key, iv);
      plain = Buffer.concat([d.update(blob.subarray(48)), d.final()]);
    } catch {
      return 'decryption failed';
    }
    if (plain.length !== f.size) return `decrypted content is ${plain.length} bytes, size says ${f.size}`;
    if (createHash('sha256').update(plain).digest('base64') !== info.fileDigest) return 'fileDigest mismatch';
    if (!looksLikeZip(plain)) return 'decrypted content is not a zip';
    return null;
  }

  protected routes(app: express.Express): void {
    app.post('/_sim/reset', (_req, res) => {
      this.reset();
      res.status(204).end();
    });
    app.post('/_sim/content', express.json(), (req, res) => void res.json(Object.assign(this.content, req.body ?? {})));

    // Fake Azure blob endpoint (contracts B "Blocks"): Put Block and Put Block List against the SAS URI.
    app.put('/_blob/intunecontent/:blob', express.raw({ type: () => true, limit: '128mb' }), async (req, res) => {
      if (this.content.blockDelayMs > 0 && req.query.comp === 'block') await new Promise((r) => setTimeout(r, this.content.blockDelayMs));
      const fileId = String(req.params.blob).replace(/\.bin$/, '');
      const entry = this.filesById.get(fileId);
      const f = entry?.file;
      if (!f) return azureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      // A renewed, committed or expired upload's SAS no longer authenticates.
      if (!f.sas || req.query.sig !== f.sas.sig || Date.now() > f.sas.expiresAt) {
        return azureError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request. Signature not valid or expired.');
      }
      if (f.isCommitted || !/^azureStorageUri(Request|Renewal)Success$/.test(f.uploadState)) {
        return azureError(res, 409, 'InvalidOperation', `The file is ${f.uploadState}; uploads are closed.`);
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (req.query.comp === 'block') {
        if (req.header('x-ms-blob-type') !== 'BlockBlob') {
          return azureError(res, 400, 'MissingRequiredHeader', 'x-ms-blob-type: BlockBlob is required.');
        }
        const id = typeof req.query.blockid === 'string' ? req.query.blockid : '';
        const decoded = B64.test(id) ? Buffer.from(id, 'base64') : null;
        if (!decoded || decoded.length === 0 || decoded.length > 64 || decoded.toString('base64') !== id) {
          return azureError(res, 400, 'InvalidQueryParameterValue', 'blockid must be base64 of at most 64 bytes.');
        }
        const other = f.blocks.keys().next().value as string | undefined;
        if (other !== undefined && other.length !== id.length) {
          return azureError(res, 400, 'InvalidBlobOrBlock', 'All block ids of a blob must have the same length.');
        }
        if (body.length === 0 || body.length > 4000 * 1024 * 1024) {
          return azureError(res, 400, 'InvalidBlobOrBlock', 'Block size out of range.');
        }
        f.blocks.set(id, body);
        this.counts.blocksPut++;
        this.counts.blockBytesPut += body.length;
        return void res.status(201).end();
      }
      if (req.query.comp === 'blocklist') {
        const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2]!);
        if (ids.length === 0 || ids.length > 50_000) return azureError(res, 400, 'InvalidXmlDocument', 'BlockList is empty or malformed.');
        const parts: Buffer[] = [];
        for (const id of ids) {
          const b = f.blocks.get(id);
          if (!b) return azureError(res, 400, 'InvalidBlockList', `Block ${id} was not uploaded.`);
          parts.push(b);
        }
        f.blob = Buffer.concat(parts);
        return void res.status(201).end();
      }
      return azureError(res, 400, 'InvalidQueryParameterValue', 'comp must be block or blocklist.');
    });

    app.use(express.urlencoded({ extended: false }));
    app.use(express.json({ limit: '5mb' }));

    app.post('/:tenant/oauth2/v2.0/token', (req, res) => {
      const b = (req.body ?? {}) as Record<string, string>;
      if (b.grant_type !== 'client_credentials' || b.client_id !== this.clientId || b.client_secret !== this.clientSecret) {
        return void res.status(400).json({
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215],
          timestamp: new Date().toISOString(),
          trace_id: randomUUID(),
          correlation_id: randomUUID(),
        });
      }
      const token = randomBytes(24).toString('base64url');
      this.tokens.add(token);
      res.json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    });

    const authed = (req: Request, res: Response, next: NextFunction) => {
      const h = req.header('authorization') ?? '';
      if (!h.startsWith('Bearer ') || !this.tokens.has(h.slice(7))) {
        return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
      }
      const rid = req.header('client-request-id');
      if (rid) res.setHeader('client-request-id', rid);
      if (req.path.includes('/mobileApps')) this.counts.mobileAppsRequests++;
      next();
    };

    this.ringGroups.register(app, authed);
    registerIntuneInventoryRoutes(app, this.inventory, authed);
    app.get('/v1.0/groups', authed, (req, res) => {
      const name = displayNameFilter(req.query.$filter);
      if (name === null) return graphError(res, 400, 'BadRequest', "Only $filter=displayName eq '…' is supported");
      const id = this.groupIds.get(name);
      res.json({ value: id ? [{ id, displayName: name }] : [] });
    });

    // contracts §1 "Per device" (shape unverified): Schema + Values rows, filtered by ApplicationId, paged by skip/top.
    app.post('/beta/deviceManagement/reports/getDeviceInstallStatusReport', authed, (req, res) => {
      const b = (req.body ?? {}) as { filter?: unknown; skip?: unknown; top?: unknown; select?: unknown };
      const m = typeof b.filter === 'string' ? /^\(ApplicationId eq '([^']+)'\)$/.exec(b.filter) : null;
      if (!m) return graphError(res, 400, 'BadRequest', "filter must be (ApplicationId eq '<id>')");
      const a = this.apps.get(m[1]!);
      const states = {
        pending: ['pending', 'Pending'],
        succeeded: ['installed', 'Installed'],
        failed: ['failed', 'Failed'],
        removed: ['notInstalled', 'Not installed'],
      } as const;
      const rows: unknown[][] = [];
      for (const key of a?.installKeys ?? []) {
        for (const d of this.engine.states(key)) {
          const [state, loc] = states[d.state];
          // DeviceId is the managedDevice id the inventory reports; 0x87D1041C = "the application was not detected after install".
          rows.push([
            this.engine.deviceNames.get(d.deviceId) ?? d.deviceId,
            '',
            'Windows',
            '',
            intuneIds(d.deviceId).managedDeviceId,
            new Date().toISOString(),
            state,
            loc,
            d.state === 'failed' ? NOT_DETECTED : '',
            d.state === 'failed' ? '0x87D1041C' : '0x0',
          ]);
        }
      }
      rows.sort((x, y) => String(x[0]).localeCompare(String(y[0])) || String(x[4]).localeCompare(String(y[4])));
      const bad = (v: unknown) => v !== undefined && !(Number.isInteger(v) && (v as number) >= 0);
      if (bad(b.skip) || bad(b.top)) return graphError(res, 400, 'BadRequest', 'skip and top must be non-negative integers');
      const skip = (b.skip as number | undefined) ?? 0;
      // Reports answer at most REPORT_PAGE_CAP rows per call whatever `top` asks: readers must page on TotalRowCount.
      const top = Math.min((b.top as number | undefined) ?? 50, REPORT_PAGE_CAP);
      const cols = [
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
      res.json({
        TotalRowCount: rows.length,
        Schema: cols.map((c) => ({ Column: c, PropertyType: c === 'LastModifiedDateTime' ? 'DateTime' : 'String' })),
        Values: rows.slice(skip, skip + top),
      });
    });

    for (const base of GRAPH_BASES) this.mobileAppRoutes(app, base, authed);
  }

  private mobileAppRoutes(app: express.Express, base: string, authed: express.RequestHandler): void {
    const v1 = base.startsWith('/v1.0');
    const findApp = (req: Request, res: Response): SimApp | undefined => {
      const a = this.apps.get(String(req.params.id));
      if (!a) graphError(res, 404, 'ResourceNotFound', 'Resource not found');
      else this.settle(a);
      return a;
    };
    const findCv = (req: Request, res: Response): { a: SimApp; cv: SimContentVersion } | undefined => {
      const a = findApp(req, res);
      if (!a) return undefined;
      const cv = a.contentVersions.get(String(req.params.cv));
      if (!cv) return void graphError(res, 404, 'ResourceNotFound', 'Content version not found');
      return { a, cv };
    };
    const findFile = (req: Request, res: Response): { a: SimApp; f: SimFile } | undefined => {
      const x = findCv(req, res);
      if (!x) return undefined;
      const f = x.cv.files.get(String(req.params.file));
      if (!f) return void graphError(res, 404, 'ResourceNotFound', 'Content file not found');
      this.settle(x.a, f);
      return { a: x.a, f };
    };

    app.get(`${base}/mobileApps`, authed, (req, res) => {
      const name = displayNameFilter(req.query.$filter);
      const all = [...this.apps.values()].filter((a) => name === null || a.body.displayName === name);
      for (const a of all) this.settle(a);
      res.json({
        '@odata.context': 'https://graph.microsoft.com/beta/$metadata#deviceAppManagement/mobileApps',
        value: all.map((a) => this.view(a)),
      });
    });

    // contracts §1 step 1: the create body, detection rules of the four Win32 types.
    app.post(`${base}/mobileApps`, authed, (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (body['@odata.type'] !== '#microsoft.graph.win32LobApp') return graphError(res, 400, 'BadRequest', 'Unsupported @odata.type');
      for (const k of ['displayName', 'publisher', 'fileName', 'setupFilePath', 'installCommandLine', 'uninstallCommandLine']) {
        if (typeof body[k] !== 'string' || !body[k]) return graphError(res, 400, 'BadRequest', `${k} is required`);
      }
      const rules = body.detectionRules;
      if (!Array.isArray(rules) || rules.length === 0) return graphError(res, 400, 'BadRequest', 'At least one detection rule is required');
      for (const r of rules as Record<string, unknown>[]) {
        if (!DETECTION_TYPES.includes(String(r['@odata.type']))) {
          return graphError(res, 400, 'BadRequest', `Unknown detection rule type ${String(r['@odata.type'])}`);
        }
        if (r['@odata.type'] === DETECTION_TYPES[2] && !/^\{[0-9A-Fa-f-]{36}\}$/.test(String(r.productCode))) {
          return graphError(res, 400, 'BadRequest', 'productCode must be a {GUID}');
        }
        if (r['@odata.type'] === DETECTION_TYPES[3] && (typeof r.scriptContent !== 'string' || !B64.test(r.scriptContent))) {
          return graphError(res, 400, 'BadRequest', 'scriptContent must be base64');
        }
      }
      // Graph does not deduplicate: two creates with one displayName make two apps. The connector must look up first.
      const sim: SimApp = {
        id: randomUUID(),
        body,
        assignments: [],
        createdDateTime: new Date().toISOString(),
        contentVersions: new Map(),
        committedContentVersion: null,
        publishingState: 'notPublished',
        publishAt: 0,
        installKeys: new Set(),
      };
      this.apps.set(sim.id, sim);
      this.counts.appsByDisplayName[body.displayName as string] = (this.counts.appsByDisplayName[body.displayName as string] ?? 0) + 1;
      res.status(201).json(this.view(sim));
    });
    app.get(`${base}/mobileApps/:id`, authed, (req, res) => {
      const a = findApp(req, res);
      if (a) res.json(this.view(a));
    });
    // contracts §1 step 7: committedContentVersion must name a version whose file is committed; then processing → published.
    app.patch(`${base}/mobileApps/:id`, authed, (req, res) => {
      const a = findApp(req, res);
      if (!a) return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (body['@odata.type'] !== '#microsoft.graph.win32LobApp') {
        return graphError(res, 400, 'BadRequest', '@odata.type is required on PATCH of a derived type');
      }
      if (body.committedContentVersion !== undefined) {
        const cv = a.contentVersions.get(String(body.committedContentVersion));
        const files = cv ? [...cv.files.values()] : [];
        for (const f of files) this.settle(a, f);
        if (!cv || files.length === 0 || files.some((f) => !f.isCommitted)) {
          return graphError(res, 400, 'BadRequest', 'The content version has no committed file');
        }
        a.committedContentVersion = cv.id;
        a.publishingState = 'processing';
        a.publishAt = Date.now() + this.content.processingMs;
      }
      for (const k of ['displayName', 'description', 'publisher']) if (typeof body[k] === 'string') a.body[k] = body[k];
      res.status(204).end();
    });

    // contracts §1 step 2.
    app.post(`${base}/mobileApps/:id${CAST}/contentVersions`, authed, (req, res) => {
      const a = findApp(req, res);
      if (!a) return;
      const cv: SimContentVersion = { id: String(a.contentVersions.size + 1), files: new Map() };
      a.contentVersions.set(cv.id, cv);
      this.counts.contentVersionsByApp[a.id] = (this.counts.contentVersionsByApp[a.id] ?? 0) + 1;
      res.status(201).json({ '@odata.type': '#microsoft.graph.mobileAppContent', id: cv.id });
    });
    app.get(`${base}/mobileApps/:id${CAST}/contentVersions`, authed, (req, res) => {
      const a = findApp(req, res);
      if (a) {
        res.json({
          value: [...a.contentVersions.values()].map((cv) => ({
            '@odata.type': '#microsoft.graph.mobileAppContent',
            id: cv.id,
          })),
        });
      }
    });
    app.get(`${base}/mobileApps/:id${CAST}/contentVersions/:cv`, authed, (req, res) => {
      const x = findCv(req, res);
      if (x) res.json({ '@odata.type': '#microsoft.graph.mobileAppContent', id: x.cv.id });
    });
    // contracts §1 step 3 (+ Corrections: v1.0 sizeInBytes / sizeEncryptedInBytes).
    app.post(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files`, authed, (req, res) => {
      const x = findCv(req, res);
      if (!x) return;
      const b = (req.body ?? {}) as Record<string, unknown>;
      if (b['@odata.type'] !== '#microsoft.graph.mobileAppContentFile') {
        return graphError(res, 400, 'BadRequest', '@odata.type must be #microsoft.graph.mobileAppContentFile');
      }
      const size = b.size ?? (v1 ? b.sizeInBytes : undefined);
      const sizeEncrypted = b.sizeEncrypted ?? (v1 ? b.sizeEncryptedInBytes : undefined);
      if (typeof b.name !== 'string' || !b.name) return graphError(res, 400, 'BadRequest', 'name is required');
      if (!Number.isInteger(size) || !Number.isInteger(sizeEncrypted) || (size as number) <= 0) {
        return graphError(res, 400, 'BadRequest', 'size and sizeEncrypted must be integers');
      }
      if ((sizeEncrypted as number) < (size as number) + 48 || (sizeEncrypted as number) > (size as number) + 64) {
        return graphError(res, 400, 'BadRequest', 'sizeEncrypted does not fit size (48 + PKCS7 padding)');
      }
      const disagree = (k: string, v: unknown) => b[k] !== undefined && b[k] !== v;
      if (v1 && (disagree('sizeInBytes', size) || disagree('sizeEncryptedInBytes', sizeEncrypted))) {
        return graphError(res, 400, 'BadRequest', 'sizeInBytes / sizeEncryptedInBytes disagree with size / sizeEncrypted');
      }
      if (b.isDependency !== false) return graphError(res, 400, 'BadRequest', 'isDependency must be false');
      const f: SimFile = {
        id: randomUUID(),
        name: b.name,
        size: size as number,
        sizeEncrypted: sizeEncrypted as number,
        uploadState: 'azureStorageUriRequestPending',
        pendingOutcome: 'azureStorageUriRequestSuccess',
        settlesAt: Date.now() + this.content.processingMs,
        azureStorageUri: null,
        sas: null,
        isCommitted: false,
        createdDateTime: new Date().toISOString(),
        blocks: new Map(),
        blob: null,
      };
      x.cv.files.set(f.id, f);
      this.filesById.set(f.id, { app: x.a, file: f });
      this.counts.contentFilesByApp[x.a.id] = (this.counts.contentFilesByApp[x.a.id] ?? 0) + 1;
      res.status(201).json(this.fileView(f));
    });
    app.get(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files`, authed, (req, res) => {
      const x = findCv(req, res);
      if (!x) return;
      for (const f of x.cv.files.values()) this.settle(x.a, f);
      res.json({ value: [...x.cv.files.values()].map((f) => this.fileView(f)) });
    });
    // contracts §1 step 4: pending → success on a later GET, then azureStorageUri is set.
    app.get(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files/:file`, authed, (req, res) => {
      const x = findFile(req, res);
      if (!x) return;
      if (/^azureStorageUri(Request|Renewal)Success$/.test(x.f.uploadState) && !x.f.azureStorageUri) this.issueSas(req, x.f);
      res.json(this.fileView(x.f));
    });
    // contracts B "After 450,000 ms … renewUpload": only an open upload can be renewed; the old SAS stops working.
    app.post(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files/:file/renewUpload`, authed, (req, res) => {
      const x = findFile(req, res);
      if (!x) return;
      if (!/^azureStorageUri(Request|Renewal)Success$/.test(x.f.uploadState)) {
        return graphError(res, 400, 'BadRequest', `Cannot renew an upload in state ${x.f.uploadState}`);
      }
      x.f.uploadState = 'azureStorageUriRenewalPending';
      x.f.pendingOutcome = 'azureStorageUriRenewalSuccess';
      x.f.settlesAt = Date.now() + this.content.processingMs;
      x.f.azureStorageUri = null;
      x.f.sas = null;
      this.counts.renewals++;
      res.status(204).end();
    });
    // contracts §1 step 6: commit with fileEncryptionInfo; the file settles to commitFileSuccess only if the bytes verify.
    app.post(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files/:file/commit`, authed, (req, res) => {
      const x = findFile(req, res);
      if (!x) return;
      if (x.f.isCommitted) return graphError(res, 400, 'BadRequest', 'The file is already committed');
      if (!/^azureStorageUri(Request|Renewal)Success$/.test(x.f.uploadState)) {
        return graphError(res, 400, 'BadRequest', `Cannot commit a file in state ${x.f.uploadState}`);
      }
      const info = (req.body as { fileEncryptionInfo?: Record<string, unknown> }).fileEncryptionInfo;
      if (!info || typeof info !== 'object') return graphError(res, 400, 'BadRequest', 'fileEncryptionInfo is required');
      for (const k of ['encryptionKey', 'macKey', 'initializationVector', 'mac', 'fileDigest']) {
        if (typeof info[k] !== 'string' || !B64.test(info[k] as string)) {
          return graphError(res, 400, 'BadRequest', `fileEncryptionInfo.${k} must be base64`);
        }
      }
      if (info.profileIdentifier !== 'ProfileVersion1' || info.fileDigestAlgorithm !== 'SHA256') {
        return graphError(res, 400, 'BadRequest', 'profileIdentifier must be ProfileVersion1 and fileDigestAlgorithm SHA256');
      }
      const problem = this.verifyCommit(x.f, info);
      x.f.commitError = problem ?? undefined;
      x.f.uploadState = 'commitFilePending';
      x.f.pendingOutcome = problem ? 'commitFileFailed' : 'commitFileSuccess';
      x.f.settlesAt = Date.now() + this.content.processingMs;
      x.f.sas = null;
      x.f.azureStorageUri = null;
      res.status(200).end();
    });

    app.get(`${base}/mobileApps/:id/assignments`, authed, (req, res) => {
      const a = findApp(req, res);
      if (a) res.json({ value: a.assignments });
    });
    app.post(`${base}/mobileApps/:id/assign`, authed, (req, res) => {
      const a = findApp(req, res);
      if (!a) return;
      // Graph refuses to assign an app without published content (issue 9; contracts §1 step 7 before "Assign").
      if (a.publishingState !== 'published') {
        return graphError(res, 400, 'BadRequest', 'The app cannot be assigned unless the app is published');
      }
      const list = (req.body as { mobileAppAssignments?: unknown }).mobileAppAssignments;
      if (!Array.isArray(list)) return graphError(res, 400, 'BadRequest', 'mobileAppAssignments is required');
      const next: Assignment[] = [];
      for (const raw of list as Record<string, unknown>[]) {
        const target = raw.target as { groupId?: string; '@odata.type'?: string } | undefined;
        const intent = raw.intent as Assignment['intent'];
        if (!target?.groupId || !['required', 'available', 'uninstall', 'availableWithoutEnrollment'].includes(intent)) {
          return graphError(res, 400, 'BadRequest', 'Each assignment needs intent and target.groupId');
        }
        next.push({
          id: `${a.id}_${target.groupId}`,
          intent,
          target: { '@odata.type': target['@odata.type'] ?? '#microsoft.graph.groupAssignmentTarget', groupId: target.groupId },
          settings: raw.settings ?? null,
        });
      }
      // Replace-all: whatever is not in the new list is removed.
      this.applyAssignments(a, next);
      res.status(204).end();
    });
    app.get(`${base}/mobileApps/:id/installSummary`, authed, (req, res) => {
      const a = findApp(req, res);
      if (a) res.json(this.summary(a));
    });
  }

  private view(a: SimApp) {
    return {
      ...a.body,
      id: a.id,
      createdDateTime: a.createdDateTime,
      publishingState: a.publishingState,
      committedContentVersion: a.committedContentVersion,
      isAssigned: a.assignments.length > 0,
    };
  }
}
