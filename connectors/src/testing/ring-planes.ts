import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AwxConnector,
  IntuneConnector,
  JamfConnector,
  LandscapeConnector,
  ResilientCaller,
  SccmConnector,
  type ArtifactContent,
  type DeployRingRequest,
  type PlaneConnector,
  type RingMember,
} from '../index';

/** The five planes whose ring targets are tested. */
export type RingPlane = 'intune' | 'jamf' | 'sccm' | 'landscape' | 'awx';

/** Credentials of one simulator, as its connector needs them. */
export type PlaneCreds = Record<string, string>;

/** A connector for `plane` against a simulator at `url` (fresh instance: no cached token or state). */
export function ringConnector(plane: RingPlane, url: string, c: PlaneCreds): PlaneConnector {
  const caller = new ResilientCaller(plane, { retryInitialMs: 20 });
  switch (plane) {
    case 'intune':
      return new IntuneConnector({
        graphUrl: url,
        authorityUrl: url,
        tenantId: 'contoso',
        clientId: c.clientId!,
        clientSecret: c.clientSecret!,
        caller,
        content: { pollMaxMs: 50 },
      });
    case 'jamf':
      return new JamfConnector({ baseUrl: url, clientId: c.clientId!, clientSecret: c.clientSecret!, caller });
    case 'sccm':
      return new SccmConnector({ baseUrl: url, username: c.username!, password: c.password!, caller });
    case 'landscape':
      return new LandscapeConnector({ baseUrl: url, accessKey: c.accessKey!, secretKey: c.secretKey!, caller });
    case 'awx':
      return new AwxConnector({ baseUrl: url, username: 'eucora', password: c.password!, caller });
  }
}

/** In-memory verified bytes with a fake presigned URL (Landscape and AWX scripts only reference it). */
export function ringContent(bytes: Buffer, fileName: string): ArtifactContent {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    fileName,
    open: async () => Readable.from([bytes]),
    downloadUrl: async (ttl) => `https://artifacts.example.test/${fileName}?ttl=${ttl}`,
  };
}

/** A ring deploy request with members for `plane` (artifact platform and format fit the plane). */
export function ringRequest(
  plane: RingPlane,
  intentId: string,
  targetKey: string,
  members: RingMember[],
  content: ArtifactContent,
): DeployRingRequest {
  const platform = plane === 'intune' || plane === 'sccm' ? 'windows' : plane === 'jamf' ? 'macos' : 'linux';
  const format = plane === 'intune' || plane === 'sccm' ? 'msi' : plane === 'jamf' ? 'pkg' : 'script';
  return {
    tenantId: 't',
    intentId,
    correlationId: 'c',
    ring: { index: 1, name: 'ring1-canary', deviceGroup: 'ring1-canary', targetKey, members },
    artifact: {
      name: 'RingObj',
      version: '1.0',
      publisher: 'Contoso',
      sha256: content.sha256,
      installCommand: 'install',
      uninstallCommand: 'uninstall',
      platform,
      format,
      sizeBytes: content.sizeBytes,
      detectionRule:
        platform === 'windows'
          ? { type: 'product_code', value: '{23170F69-40C1-2702-2408-000001000000}' }
          : { type: 'file', value: '/opt/ringobj' },
    },
    content,
  };
}
