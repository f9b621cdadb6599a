import type { DeviceEngine } from '../shared/device-engine';
import { hash32 } from '../sim-clock';

/** Content-upload behaviour of the simulated tenant (changed at run time through `POST /_sim/content`). */
export interface IntuneContentConfig {
  /** How long Intune "processes" a state change (SAS issue, renewal, commit, publish) before the next GET shows it, ms; default 0. */
  processingMs: number;
  /** Lifetime of an issued SAS URI, ms; past it Put Block answers 403 AuthenticationFailed. Default 15 minutes. */
  sasLifetimeMs: number;
  /** Extra time each Put Block takes, ms (slow storage, so a test can act mid-upload); default 0. */
  blockDelayMs: number;
}

/** One `mobileAppAssignment` as Graph stores it. */
export interface Assignment {
  id: string;
  intent: 'required' | 'available' | 'uninstall' | 'availableWithoutEnrollment';
  target: { '@odata.type': string; groupId: string };
  settings: unknown;
}

/** A `mobileAppContentFile` with its upload state and the bytes the fake blob endpoint received. */
export interface SimFile {
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

/** A `mobileAppContent` (content version) and its files. */
export interface SimContentVersion {
  id: string;
  files: Map<string, SimFile>;
}

/** A win32LobApp: the create body as sent, plus what Graph tracks about it. */
export interface SimApp {
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

function zeroCounters(): IntuneSimCounters {
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

/** The simulated tenant's objects, shared by the route modules; `reset()` empties it in place. */
export class IntuneState {
  readonly content: IntuneContentConfig = { processingMs: 0, sasLifetimeMs: 15 * 60_000, blockDelayMs: 0 };
  /** Bearer tokens issued by the token endpoint (they never expire). */
  readonly tokens = new Set<string>();
  readonly apps = new Map<string, SimApp>();
  /** Entra object id of each fleet group, by display name. */
  readonly groupIds = new Map<string, string>();
  /** Every content file by id, for the blob endpoint (its URL names only the file). */
  readonly filesById = new Map<string, { app: SimApp; file: SimFile }>();
  counts: IntuneSimCounters = zeroCounters();

  constructor(readonly engine: DeviceEngine) {
    for (const name of engine.groups.keys()) {
      // Stable GUID-shaped ids per group name.
      const h = [hash32(`g1:${name}`), hash32(`g2:${name}`), hash32(`g3:${name}`), hash32(`g4:${name}`)]
        .map((x) => x.toString(16).padStart(8, '0'))
        .join('');
      this.groupIds.set(name, `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`);
    }
  }

  /** Forgets every app and file and zeroes the counters (tokens stay valid). */
  reset(): void {
    this.apps.clear();
    this.filesById.clear();
    this.counts = zeroCounters();
  }

  /** The fleet group with this Entra id. */
  groupName(groupId: string): string | undefined {
    for (const [name, id] of this.groupIds) if (id === groupId) return name;
    return undefined;
  }

  /** Pending states settle on the first GET after `processingMs` (Intune processes asynchronously). */
  settle(app: SimApp, file?: SimFile): void {
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
}
