import { NotAllowedError } from '@eucora/core';
import type { ConnectorCall, DeployRingRequest, DeployRingResult, DeviceCounts, PlaneConnector, RingBaseline } from '../connector';
import { PlaneHttp } from '../shared/http-client';
import type { ResilientCaller } from '../shared/resilience';

/** Where and how to reach one SCCM AdminService (Basic auth stands in for Negotiate; keep it pluggable). */
export interface SccmOptions {
  /** e.g. https://sccm.contoso.local */
  baseUrl: string;
  username: string;
  password: string;
  caller?: ResilientCaller;
}

type Obj = Record<string, unknown>;

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Natural key of the application: one per artifact version and intent. */
export function sccmAppName(req: Pick<DeployRingRequest, 'intentId' | 'artifact'>): string {
  return `${req.artifact.name} ${req.artifact.version} [eucora ${req.intentId}]`;
}

/**
 * SCCM connector (vendor-contracts.md §3). The AdminService makes a duplicate on every create, so every create is
 * preceded by a lookup on the natural key: application LocalizedDisplayName + IsLatest, collection Name, deployment
 * (AppModelID, TargetCollectionID, DesiredConfigType). Rings target the collection named like the ring group. Status from
 * SMS_AppDeploymentAssetDetails (per machine; the summary class lags). Rollback deletes the install deployment and deploys
 * the uninstall (DesiredConfigType 2).
 */
export class SccmConnector implements PlaneConnector {
  readonly plane = 'sccm' as const;
  private readonly http: PlaneHttp;

  constructor(private readonly opts: SccmOptions) {
    this.http = new PlaneHttp({
      plane: 'sccm',
      baseUrl: `${opts.baseUrl}/AdminService/wmi`,
      caller: opts.caller,
      describe: (t) => {
        try {
          return (JSON.parse(t) as { error?: { message?: string } }).error?.message ?? t;
        } catch {
          return t;
        }
      },
    });
  }

  async call<T>(method: string, path: string, body?: unknown, accept?: number[]): Promise<{ status: number; body: T }> {
    const auth = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64')}`;
    const res = await this.http.send(method, path, { headers: { authorization: auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), accept });
    if (res.status === 401) throw new NotAllowedError('sccm answered 401');
    return { status: res.status, body: (res.text ? JSON.parse(res.text) : null) as T };
  }

  private async first(path: string): Promise<Obj | undefined> {
    return (await this.call<{ value: Obj[] }>('GET', path)).body.value[0];
  }

  private async application(req: DeployRingRequest): Promise<{ app: Obj; created: boolean }> {
    const name = sccmAppName(req);
    const found = await this.first(`/SMS_Application?$filter=${encodeURIComponent(`LocalizedDisplayName eq ${q(name)} and IsLatest eq true`)}`);
    if (found) return { app: found, created: false };
    const xml = `<AppMgmtDigest xmlns="http://schemas.microsoft.com/SystemCenterConfigurationManager/2009/AppMgmtDigest"><Application><DisplayInfo DefaultLanguage="en-US"><Info Language="en-US"><Title>${name.replace(/[<&>]/g, '')}</Title><Publisher>${req.artifact.publisher.replace(/[<&>]/g, '')}</Publisher><Version>${req.artifact.version.replace(/[<&>]/g, '')}</Version></Info></DisplayInfo></Application></AppMgmtDigest>`;
    return { app: (await this.call<Obj>('POST', '/SMS_Application', { SDMPackageXML: xml })).body, created: true };
  }

  private async collection(name: string): Promise<Obj> {
    const found = await this.first(`/SMS_Collection?$filter=${encodeURIComponent(`Name eq ${q(name)}`)}`);
    if (found) return found;
    return (await this.call<Obj>('POST', '/SMS_Collection', { Name: name, CollectionType: 2, LimitToCollectionID: 'SMS00001', RefreshType: 2, Comment: 'Created by EUCORA' })).body;
  }

  private async deployment(app: Obj, coll: Obj, desired: 1 | 2, name: string): Promise<{ assignment: Obj; created: boolean }> {
    const found = await this.first(`/SMS_ApplicationAssignment?$filter=${encodeURIComponent(`AppModelID eq ${q(String(app.ModelName))} and TargetCollectionID eq ${q(String(coll.CollectionID))} and DesiredConfigType eq ${desired}`)}`);
    if (found) return { assignment: found, created: false };
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body = {
      ApplicationName: app.LocalizedDisplayName,
      AssignmentName: `${name} ${desired === 1 ? 'install' : 'uninstall'}`,
      AssignedCIs: [app.CI_ID],
      AppModelID: app.ModelName,
      TargetCollectionID: coll.CollectionID,
      CollectionName: coll.Name,
      AssignmentAction: 2,
      AssignmentType: 2,
      DesiredConfigType: desired,
      OfferTypeID: 0,
      OfferFlags: 0,
      StartTime: now,
      EnforcementDeadline: now,
      UseGMTTimes: true,
      SuppressReboot: 0,
      NotifyUser: false,
      OverrideServiceWindows: false,
      Enabled: true,
    };
    return { assignment: (await this.call<Obj>('POST', '/SMS_ApplicationAssignment', body)).body, created: true };
  }

  async ringBaseline(): Promise<RingBaseline> {
    return {};
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    const { app, created } = await this.application(req);
    const coll = await this.collection(req.ring.deviceGroup);
    const dep = await this.deployment(app, coll, 1, sccmAppName(req));
    return {
      plane: 'sccm',
      objectIds: { ciId: String(app.CI_ID), appModelId: String(app.ModelName), collectionId: String(coll.CollectionID), assignmentId: String(dep.assignment.AssignmentID), appName: String(app.LocalizedDisplayName) },
      adopted: !created && !dep.created,
    };
  }

  async ringStatus(req: ConnectorCall & { deployment: DeployRingResult }): Promise<DeviceCounts> {
    const rows = (await this.call<{ value: { AppStatusType: number }[] }>('GET', `/SMS_AppDeploymentAssetDetails?$filter=${encodeURIComponent(`AssignmentID eq ${req.deployment.objectIds.assignmentId}`)}`)).body.value;
    const n = (t: number) => rows.filter((r) => r.AppStatusType === t).length;
    return { targeted: rows.length, succeeded: n(1), failed: n(5), pending: n(2) + n(4), notApplicable: n(3) };
  }

  async rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void> {
    const o = req.deployment.objectIds;
    await this.call('DELETE', `/SMS_ApplicationAssignment(${o.assignmentId})`, undefined, [404]);
    await this.deployment({ ModelName: o.appModelId, LocalizedDisplayName: o.appName, CI_ID: Number(o.ciId) }, { CollectionID: o.collectionId, Name: '' }, 2, o.appName!);
  }
}
