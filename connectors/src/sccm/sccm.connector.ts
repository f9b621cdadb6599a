import { convergeSccmCollection } from './sccm.ring-target';
import { randomUUID } from 'node:crypto';
import { InputError, NotAllowedError } from '@eucora/core';
import type { ConnectorCall, DeployRingRequest, DeployRingResult, PlaneConnector, RingBaseline } from '../connector';
import type { RingStatusCall, RingStatusResult } from '../shared/device-status';
import { sccmRingDevices } from './sccm.device-status';
import { PlaneHttp, type OutboundCheck } from '../shared/http-client';
import type { ResilientCaller } from '../shared/resilience';
import { buildSdmPackageXml } from './sccm.sdm-package';
import { odataString } from '../shared/odata';
import { intentAppName } from '../shared/natural-key';

/** Where and how to reach one SCCM AdminService (Basic auth stands in for Negotiate; keep it pluggable). */
export interface SccmOptions {
  /** e.g. https://sccm.contoso.local */
  baseUrl: string;
  username: string;
  password: string;
  caller?: ResilientCaller;
  /**
   * UNC content source root for applications EUCORA creates; the deployment type's `<Location>` is `<root>\<sha256>\`, where
   * the operator's content sync stages the verified bytes. Default `\\<provider host>\EUCORAContent$`.
   */
  contentLocation?: string;
  /** `ScopeId_<SiteID>` for created applications; default read from `SMS_Identification.GetSiteID`. */
  authoringScopeId?: string;
  /** Outbound-URL guard run before every request; default none. */
  check?: OutboundCheck;
}

type Obj = Record<string, unknown>;

/** Natural key of the application: one per artifact version and intent. */
export function sccmAppName(req: Pick<DeployRingRequest, 'intentId' | 'artifact'>): string {
  return intentAppName(req);
}

/**
 * SCCM connector (vendor-contracts.md §3, A3). The AdminService makes a duplicate on every create, so every create is
 * preceded by a lookup on the natural key: application LocalizedDisplayName + IsLatest, collection Name, deployment
 * (TargetCollectionID, AppModelID = the application's numeric ModelID). An absent application is created from a minimal
 * SDMPackageXML (Script deployment type, the intent's detection rule, content referenced by UNC). Rings target the
 * collection named like the ring group. Status from SMS_AppDeploymentAssetDetails (per machine; the summary class lags).
 * Rollback deletes the install deployment and deploys the uninstall (DesiredConfigType 2).
 */
export class SccmConnector implements PlaneConnector {
  readonly plane = 'sccm' as const;
  private readonly http: PlaneHttp;

  constructor(private readonly opts: SccmOptions) {
    this.http = new PlaneHttp({
      plane: 'sccm',
      baseUrl: `${opts.baseUrl}/AdminService/wmi`,
      caller: opts.caller,
      check: opts.check,
    });
  }

  async call<T>(method: string, path: string, body?: unknown, accept?: number[]): Promise<{ status: number; body: T }> {
    const auth = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64')}`;
    const res = await this.http.send(method, path, {
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      accept,
    });
    if (res.status === 401) throw new NotAllowedError('sccm answered 401');
    return { status: res.status, body: (res.text ? JSON.parse(res.text) : null) as T };
  }

  private async first(path: string): Promise<Obj | undefined> {
    return (await this.call<{ value: Obj[] }>('GET', path)).body.value[0];
  }

  private async scopeId(): Promise<string> {
    if (this.opts.authoringScopeId) return this.opts.authoringScopeId;
    const site = (await this.call<{ SiteID?: string }>('GET', '/SMS_Identification.GetSiteID')).body.SiteID;
    if (!site) throw new InputError('sccm: SMS_Identification.GetSiteID returned no SiteID');
    return `ScopeId_${site.replace(/[{}]/g, '')}`;
  }

  /** The application (looked up by LocalizedDisplayName + IsLatest; created with a deployment type and content when absent). */
  private async application(req: DeployRingRequest): Promise<{ app: Obj; created: boolean }> {
    const name = sccmAppName(req);
    const filter = encodeURIComponent(`LocalizedDisplayName eq ${odataString(name)} and IsLatest eq true`);
    const found = await this.first(`/SMS_Application?$filter=${filter}`);
    if (found) return { app: found, created: false };
    const root = this.opts.contentLocation ?? `\\\\${new URL(this.opts.baseUrl).hostname}\\EUCORAContent$`;
    const xml = buildSdmPackageXml({
      authoringScopeId: await this.scopeId(),
      title: name,
      artifact: req.artifact,
      contentLocation: `${root}\\${req.artifact.sha256}`,
      fileName: req.content?.fileName ?? `${req.artifact.name}-${req.artifact.version}.${req.artifact.format}`,
      sizeBytes: req.content?.sizeBytes ?? req.artifact.sizeBytes,
    });
    const created = (await this.call<Obj>('POST', '/SMS_Application', { SDMPackageXML: xml })).body;
    if (typeof created.CI_ID !== 'number' || typeof created.ModelID !== 'number')
      throw new InputError('sccm: SMS_Application create returned no numeric CI_ID/ModelID');
    return { app: created, created: true };
  }

  private async collection(name: string): Promise<Obj> {
    const found = await this.first(`/SMS_Collection?$filter=${encodeURIComponent(`Name eq ${odataString(name)}`)}`);
    if (found) return found;
    return (
      await this.call<Obj>('POST', '/SMS_Collection', {
        Name: name,
        CollectionType: 2,
        LimitToCollectionID: 'SMS00001',
        RefreshType: 2,
        Comment: 'Created by EUCORA',
      })
    ).body;
  }

  /** Deployment of `app` to `coll`, looked up by (TargetCollectionID, AppModelID = numeric ModelID) before create. */
  private async deployment(app: Obj, coll: Obj, desired: 1 | 2): Promise<{ assignment: Obj; created: boolean }> {
    const modelId = Number(app.ModelID);
    if (!Number.isInteger(modelId)) throw new InputError(`sccm: application ${String(app.CI_ID)} has no numeric ModelID`);
    const filter = `TargetCollectionID eq ${odataString(String(coll.CollectionID))} and AppModelID eq ${modelId}`;
    const rows = (await this.call<{ value: Obj[] }>('GET', `/SMS_ApplicationAssignment?$filter=${encodeURIComponent(filter)}`)).body.value;
    const found = rows.find((r) => Number(r.DesiredConfigType) === desired);
    if (found) return { assignment: found, created: false };
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body = {
      ApplicationName: app.LocalizedDisplayName,
      AssignmentName: `${String(app.LocalizedDisplayName)}_${String(coll.Name)}_${desired === 1 ? 'Install' : 'Uninstall'}`,
      AssignedCIs: [Number(app.CI_ID)],
      AppModelID: modelId,
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
      AssignmentUniqueID: `{${randomUUID().toUpperCase()}}`,
    };
    const created = (await this.call<Obj>('POST', '/SMS_ApplicationAssignment', body)).body;
    if (typeof created.AssignmentID !== 'number') throw new InputError('sccm: SMS_ApplicationAssignment create returned no AssignmentID');
    return { assignment: created, created: true };
  }

  async ringBaseline(): Promise<RingBaseline> {
    return {};
  }

  /** With `ring.members`: the collection `targetKey` converged to them (sccm.ring-target.ts); else the legacy named one. */
  private async ringCollection(req: DeployRingRequest): Promise<Obj> {
    if (!req.ring.members) return this.collection(req.ring.deviceGroup);
    if (!req.ring.targetKey) throw new InputError('sccm: a ring with members needs its targetKey');
    return (await convergeSccmCollection((m, p, b, a) => this.call(m, p, b, a), req.ring.targetKey, req.ring.members)).collection;
  }

  async deployRing(req: DeployRingRequest): Promise<DeployRingResult> {
    const { app, created } = await this.application(req);
    const coll = await this.ringCollection(req);
    const dep = await this.deployment(app, coll, 1);
    return {
      plane: 'sccm',
      objectIds: {
        ciId: String(app.CI_ID),
        modelId: String(app.ModelID),
        collectionId: String(coll.CollectionID),
        collectionName: String(coll.Name),
        assignmentId: String(dep.assignment.AssignmentID),
        appName: String(app.LocalizedDisplayName),
      },
      adopted: !created && !dep.created,
    };
  }

  async ringStatus(req: RingStatusCall): Promise<RingStatusResult> {
    if (req.ring?.members) return sccmRingDevices(this, req, req.ring.members);
    const rows = (
      await this.call<{ value: { AppStatusType: number }[] }>(
        'GET',
        `/SMS_AppDeploymentAssetDetails?$filter=${encodeURIComponent(`AssignmentID eq ${req.deployment.objectIds.assignmentId}`)}`,
      )
    ).body.value;
    const n = (t: number) => rows.filter((r) => r.AppStatusType === t).length;
    return { targeted: rows.length, succeeded: n(1), failed: n(5), pending: n(2) + n(4), notApplicable: n(3) };
  }

  async rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void> {
    const o = req.deployment.objectIds;
    await this.call('DELETE', `/SMS_ApplicationAssignment(${o.assignmentId})`, undefined, [404]);
    await this.deployment(
      { ModelID: Number(o.modelId), LocalizedDisplayName: o.appName, CI_ID: Number(o.ciId) },
      { CollectionID: o.collectionId, Name: o.collectionName },
      2,
    );
  }
}
