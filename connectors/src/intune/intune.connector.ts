import { NotFoundError } from '@eucora/core';
import type { ConnectorCall, DeployRingRequest, DeployRingResult, DeviceCounts, PlaneConnector, RingBaseline } from '../connector';
import { IntuneClient, type IntuneClientOptions } from './intune.client';
import { appDisplayName, odataString, ringCountsFromSummaries, win32AppBody, type InstallSummary } from './intune.mapper';

const BASE = '/beta/deviceAppManagement';

interface GraphAssignment {
  intent: string;
  target: { '@odata.type': string; groupId: string };
  settings?: unknown;
}

/**
 * Intune connector. Idempotent without vendor support: the app is looked up by its natural key before create, and
 * assignments are read, merged and written back whole (Graph's assign replaces the full set), so a repeated deploy of
 * the same ring leaves one app and one assignment.
 */
export class IntuneConnector implements PlaneConnector {
  readonly plane = 'intune' as const;
  readonly client: IntuneClient;

  constructor(opts: IntuneClientOptions) {
    this.client = new IntuneClient(opts);
  }

  private async findApp(displayName: string): Promise<{ id: string } | undefined> {
    const res = await this.client.request<{ value: { id: string }[] }>('GET', `${BASE}/mobileApps?$filter=${encodeURIComponent(`displayName eq ${odataString(displayName)}`)}`);
    return res.value[0];
  }

  private async groupId(name: string): Promise<string> {
    const res = await this.client.request<{ value: { id: string }[] }>('GET', `/v1.0/groups?$filter=${encodeURIComponent(`displayName eq ${odataString(name)}`)}`);
    const g = res.value[0];
    if (!g) throw new NotFoundError(`Intune: no Entra group named "${name}"`);
    return g.id;
  }

  private async summary(appId: string): Promise<InstallSummary> {
    return this.client.request<InstallSummary>('GET', `${BASE}/mobileApps/${appId}/installSummary`);
  }

  private async setIntent(appId: string, groupId: string, intent: 'required' | 'uninstall'): Promise<boolean> {
    const current = (await this.client.request<{ value: GraphAssignment[] }>('GET', `${BASE}/mobileApps/${appId}/assignments`)).value;
    if (current.some((a) => a.target.groupId === groupId && a.intent === intent)) return false;
    const merged = current.filter((a) => a.target.groupId !== groupId).map((a) => ({ '@odata.type': '#microsoft.graph.mobileAppAssignment', intent: a.intent, target: a.target, settings: a.settings ?? null }));
    merged.push({ '@odata.type': '#microsoft.graph.mobileAppAssignment', intent, target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId }, settings: null });
    await this.client.request('POST', `${BASE}/mobileApps/${appId}/assign`, { mobileAppAssignments: merged });
    return true;
  }

  /** Summary of the app before a ring is assigned: the baseline its ring counts are measured from. */
  async ringBaseline(req: DeployRingRequest): Promise<InstallSummary> {
    const app = await this.findApp(appDisplayName(req));
    return app ? this.summary(app.id) : { installedDeviceCount: 0, failedDeviceCount: 0, notApplicableDeviceCount: 0, notInstalledDeviceCount: 0, pendingInstallDeviceCount: 0 };
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    const name = appDisplayName(req);
    let app = await this.findApp(name);
    const createdApp = !app;
    if (!app) app = await this.client.request<{ id: string }>('POST', `${BASE}/mobileApps`, win32AppBody(req));
    const groupId = await this.groupId(req.ring.deviceGroup);
    const added = await this.setIntent(app.id, groupId, 'required');
    return { plane: 'intune', objectIds: { appId: app.id, groupId }, adopted: !createdApp && !added };
  }

  async ringStatus(req: ConnectorCall & { deployment: DeployRingResult; baseline: RingBaseline }): Promise<DeviceCounts> {
    const now = await this.summary(req.deployment.objectIds.appId!);
    return ringCountsFromSummaries(now, req.baseline);
  }

  async rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void> {
    await this.setIntent(req.deployment.objectIds.appId!, req.deployment.objectIds.groupId!, 'uninstall');
  }
}
