import { SccmRingCollections } from './sccm-ring-collections';
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { odataMatches, ODataFilterError, type EdmType } from '../shared/odata';
import { SimServer } from '../shared/sim-server';
import { FleetInventory } from '../shared/fleet-inventory';
import { registerSccmInventoryRoutes, sccmResourceId } from './sccm-inventory-routes';

type Obj = Record<string, unknown>;

/** Property types per class, so `$filter` is typed as the AdminService types it (vendor-contracts.md §3, A3). */
const TYPES: Record<string, Record<string, EdmType>> = {
  SMS_Application: {
    CI_ID: 'Edm.UInt32',
    ModelID: 'Edm.UInt32',
    ModelName: 'Edm.String',
    LocalizedDisplayName: 'Edm.String',
    IsLatest: 'Edm.Boolean',
  },
  SMS_Collection: { CollectionID: 'Edm.String', Name: 'Edm.String', CollectionType: 'Edm.UInt32', MemberCount: 'Edm.UInt32' },
  SMS_ApplicationAssignment: {
    AssignmentID: 'Edm.UInt32',
    AppModelID: 'Edm.UInt32',
    TargetCollectionID: 'Edm.String',
    DesiredConfigType: 'Edm.UInt32',
    AssignmentName: 'Edm.String',
    ApplicationName: 'Edm.String',
    AssignmentUniqueID: 'Edm.String',
  },
  SMS_AppDeploymentAssetDetails: {
    AssignmentID: 'Edm.UInt32',
    MachineID: 'Edm.UInt32',
    MachineName: 'Edm.String',
    AppStatusType: 'Edm.UInt32',
    EnforcementState: 'Edm.UInt32',
  },
};

const GUID = /^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$/;

/**
 * What an SDMPackageXML must hold for the simulator to accept it (contracts A3): an Application with AuthoringScopeId
 * `ScopeId_<site>` and LogicalName `Application_<guid>`, a title, and at least one DeploymentType with an install command,
 * a detection method and a Content with a File and a non-empty Location. Returns the reason it is not acceptable, if any.
 */
export function sdmPackageProblem(xml: string, scopeId: string): string | undefined {
  const app = /<Application\b([^>]*)>/.exec(xml);
  if (!app) return 'SDMPackageXML has no Application element';
  if (!new RegExp(`AuthoringScopeId="${scopeId}"`).test(app[1]!)) return `Application AuthoringScopeId must be ${scopeId}`;
  if (!/LogicalName="Application_[0-9a-f-]{36}"/i.test(app[1]!)) return 'Application LogicalName must be Application_<guid>';
  if (!/<Title\b[^>]*>[^<]+<\/Title>/.test(xml)) return 'SDMPackageXML must contain a Title';
  const dt = /<DeploymentType\b(?=[^>]*LogicalName="DeploymentType_[0-9a-f-]{36}")[^>]*[^/>]>([\s\S]*?)<\/DeploymentType>/i.exec(xml);
  if (!dt) return 'the application has no deployment type';
  const body = dt[1]!;
  if (!/<InstallCommandLine>[^<]+<\/InstallCommandLine>/.test(body)) return 'the deployment type has no install command line';
  if (!/<DetectionMethod>(ProductCode|Enhanced|Script)<\/DetectionMethod>/.test(body)) return 'the deployment type has no detection method';
  const content = /<Content\b[^>]*ContentId="Content_[0-9a-f-]{36}"[^>]*>([\s\S]*?)<\/Content>/i.exec(body);
  if (!content) return 'the deployment type has no content';
  if (!/<File\b[^>]*Name="[^"]+"[^>]*Size="\d+"/.test(content[1]!)) return 'the content has no File with Name and Size';
  if (!/<Location>[^<]+<\/Location>/.test(content[1]!)) return 'the content has no Location';
  return undefined;
}

/**
 * Microsoft Configuration Manager AdminService simulator (OData v4, vendor-contracts.md §3 and A3): applications (created
 * only from an SDMPackageXML with a deployment type and content), collections (one per ring group pre-created, like the
 * collections an SCCM admin maintains), application assignments (numeric `AppModelID` = the application's `ModelID`,
 * `AssignedCIs` with its CI_ID) and per-machine asset details. `$filter` is typed: a string literal against a numeric
 * property, or a number against a string one, is 400. As the real service, a duplicate application create makes a
 * duplicate: connectors must look up first. Auth: Basic (stands in for Windows Negotiate).
 */
export class SccmSimulator extends SimServer {
  readonly username = 'CONTOSO\\eucora';
  readonly password: string;
  readonly siteId = `{${randomUUID().toUpperCase()}}`;
  private readonly apps = new Map<number, Obj>();
  private readonly collections = new Map<string, Obj>();
  private readonly assignments = new Map<number, Obj>();
  private readonly history: Obj[] = [];
  private nextCi = 16777000;
  private nextModel = 16780000;
  private nextCollection = 100001;
  private nextAssignment = 16777500;
  /** Windows devices of the fleet as the site's inventory (sccm-inventory-routes.ts). */
  readonly inventory = FleetInventory.forPlane('sccm', this.fleet);
  /** Direct-rule collections created over the API (ring targets, contracts A3). */
  readonly ringCollections = new SccmRingCollections(
    this.inventory,
    (id) => this.collections.get(id),
    (collectionId, fleetId) => {
      // A new member of a targeted collection gets the collection's running install deployments at its next policy cycle.
      for (const a of this.assignments.values()) {
        if (a.TargetCollectionID !== collectionId || a.DesiredConfigType !== 1) continue;
        const app = [...this.apps.values()].find((x) => x.ModelID === a.AppModelID);
        this.engine.install(`sccm:${a.AssignmentID}`, String(app?.LocalizedDisplayName ?? ''), [fleetId]);
      }
    },
  );

  constructor(fleet: FleetOptions = {}, password = 'sccm-sim-password') {
    super(fleet);
    this.password = password;
    for (const name of this.engine.groups.keys()) this.addCollection(name, 'Ring group');
  }

  /** `ScopeId_<SiteID>` with the braces stripped, as the SDMPackageXML's AuthoringScopeId. */
  get scopeId(): string {
    return `ScopeId_${this.siteId.replace(/[{}]/g, '')}`;
  }

  private addCollection(name: string, comment: string): Obj {
    const c = {
      CollectionID: `PS1${String(this.nextCollection++).padStart(5, '0')}`,
      Name: name,
      CollectionType: 2,
      LimitToCollectionID: 'SMS00001',
      Comment: comment,
      MemberCount: this.engine.members(name).length,
    };
    this.collections.set(String(c.CollectionID), c);
    return c;
  }

  protected counters() {
    const installs: Record<string, number> = {};
    const names = new Map([...this.apps.values()].map((a) => [a.ModelID, a.LocalizedDisplayName]));
    for (const a of this.assignments.values()) {
      const k = `${names.get(a.AppModelID) ?? a.AppModelID}|${a.TargetCollectionID}|${a.DesiredConfigType}`;
      installs[k] = (installs[k] ?? 0) + 1;
    }
    const appsByName: Record<string, number> = {};
    for (const a of this.apps.values()) appsByName[String(a.LocalizedDisplayName)] = (appsByName[String(a.LocalizedDisplayName)] ?? 0) + 1;
    const collectionsByName: Record<string, number> = {};
    for (const c of this.collections.values()) collectionsByName[String(c.Name)] = (collectionsByName[String(c.Name)] ?? 0) + 1;
    const rc = this.ringCollections;
    return {
      applications: this.apps.size,
      assignments: this.assignments.size,
      assignmentsByKey: installs,
      appsByName,
      collectionsByName,
      ruleAdds: rc.ruleAdds,
      ruleDeletes: rc.ruleDeletes,
    };
  }

  protected renderError(res: Response, status: number, message: string): void {
    res.status(status).json({ error: { code: String(status), message } });
  }

  private list(res: Response, cls: string, items: Obj[], select?: unknown) {
    const fields = typeof select === 'string' ? select.split(',').map((s) => s.trim()) : null;
    res.json({
      '@odata.context': `https://sccm.contoso.local/AdminService/wmi/$metadata#${cls}`,
      value: items.map((o) => (fields ? Object.fromEntries(fields.map((f) => [f, o[f]])) : o)),
    });
  }

  /** Why an assignment body is not acceptable (contracts §3 fields, A3 types), if it is not. */
  private assignmentProblem(b: Obj): string | undefined {
    if (typeof b.AppModelID !== 'number' || !Number.isInteger(b.AppModelID))
      return "Cannot convert the literal to the expected type 'Edm.UInt32' (AppModelID is the application's ModelID)";
    const app = [...this.apps.values()].find((a) => a.ModelID === b.AppModelID);
    if (!app) return `no application with ModelID ${b.AppModelID}`;
    if (
      !Array.isArray(b.AssignedCIs) ||
      !b.AssignedCIs.every((x) => typeof x === 'number') ||
      !(b.AssignedCIs as unknown[]).includes(app.CI_ID)
    )
      return 'AssignedCIs must list the application CI_ID';
    if (!this.collections.has(String(b.TargetCollectionID))) return 'TargetCollectionID must exist';
    if (b.DesiredConfigType !== 1 && b.DesiredConfigType !== 2) return 'DesiredConfigType must be 1 (install) or 2 (uninstall)';
    if (b.AssignmentAction !== 2 || b.AssignmentType !== 2) return 'AssignmentAction and AssignmentType must be 2';
    if (b.OfferTypeID !== 0 && b.OfferTypeID !== 2) return 'OfferTypeID must be 0 (required) or 2 (available)';
    if (typeof b.AssignmentUniqueID !== 'string' || !GUID.test(b.AssignmentUniqueID)) return 'AssignmentUniqueID must be a GUID';
    for (const f of ['ApplicationName', 'AssignmentName', 'StartTime', 'EnforcementDeadline'])
      if (typeof b[f] !== 'string' || !b[f]) return `${f} is required`;
    return undefined;
  }

  protected routes(app: express.Express): void {
    app.use(express.json({ limit: '5mb' }));
    const authed = (req: Request, res: Response, next: NextFunction) => {
      const h = req.header('authorization') ?? '';
      const [user, ...rest] = Buffer.from(h.replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
      if (!h.startsWith('Basic ') || user !== this.username || rest.join(':') !== this.password)
        return this.renderError(res, 401, 'Unauthorized');
      next();
    };
    const filtered = (req: Request, res: Response, items: Obj[], cls: string) => {
      let match;
      try {
        match = odataMatches(req.query.$filter, TYPES[cls]);
      } catch (err) {
        if (err instanceof ODataFilterError) return this.renderError(res, 400, err.message);
        throw err;
      }
      this.list(res, cls, items.filter(match), req.query.$select);
    };
    const base = '/AdminService/wmi';
    this.ringCollections.register(app, authed);
    registerSccmInventoryRoutes(app, this.inventory, authed, (id) => this.collections.get(id)?.Name as string | undefined);

    app.get(`${base}/SMS_Identification.GetSiteID`, authed, (_req, res) => {
      res.json({
        '@odata.context': `https://sccm.contoso.local/AdminService/wmi/$metadata#SMS_Identification.GetSiteID`,
        ReturnValue: 0,
        SiteID: this.siteId,
      });
    });
    app.get(`${base}/SMS_Application`, authed, (req, res) => filtered(req, res, [...this.apps.values()], 'SMS_Application'));
    app.get(`${base}/SMS_Application\\(:id\\)`, authed, (req, res) => {
      const a = this.apps.get(Number(req.params.id));
      if (!a) return this.renderError(res, 404, 'Not found');
      this.list(res, 'SMS_Application', [a]);
    });
    app.post(`${base}/SMS_Application`, authed, (req, res) => {
      const xml = String((req.body as Obj).SDMPackageXML ?? '');
      const problem = sdmPackageProblem(xml, this.scopeId);
      if (problem) return this.renderError(res, 400, problem);
      const title = /<Title\b[^>]*>([^<]+)<\/Title>/.exec(xml)![1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      const logical = /<Application\b[^>]*LogicalName="([^"]+)"/.exec(xml)![1]!;
      const ci = this.nextCi++;
      const a = {
        CI_ID: ci,
        ModelID: this.nextModel++,
        LocalizedDisplayName: title,
        IsLatest: true,
        ModelName: `${this.scopeId}/${logical}`,
        SDMPackageXML: xml,
        HasContent: true,
        NumberOfDeploymentTypes: 1,
      };
      this.apps.set(ci, a);
      res.status(201).json(a);
    });

    app.get(`${base}/SMS_Collection`, authed, (req, res) => filtered(req, res, [...this.collections.values()], 'SMS_Collection'));
    app.post(`${base}/SMS_Collection`, authed, (req, res) => {
      const b = req.body as Obj;
      if (typeof b.Name !== 'string' || !b.Name) return this.renderError(res, 400, 'Name is required');
      // Duplicate names are unverified for collections (contracts A3): the simulator makes a second one, like for applications.
      const c = this.addCollection(b.Name, String(b.Comment ?? ''));
      this.ringCollections.rules.set(String(c.CollectionID), new Map());
      c.MemberCount = 0;
      res.status(201).json(c);
    });

    app.get(`${base}/SMS_ApplicationAssignment`, authed, (req, res) =>
      filtered(req, res, [...this.assignments.values()], 'SMS_ApplicationAssignment'),
    );
    app.post(`${base}/SMS_ApplicationAssignment`, authed, (req, res) => {
      const b = req.body as Obj;
      const problem = this.assignmentProblem(b);
      if (problem) return this.renderError(res, 400, problem);
      const app2 = [...this.apps.values()].find((a) => a.ModelID === b.AppModelID)!;
      const coll = this.collections.get(String(b.TargetCollectionID))!;
      const id = this.nextAssignment++;
      const a = { ...b, AssignmentID: id, Enabled: true };
      this.assignments.set(id, a);
      this.history.push(a);
      const devices = this.ringCollections.fleetMembers(String(coll.CollectionID)) ?? this.engine.members(String(coll.Name));
      if (b.DesiredConfigType === 2) {
        // Uninstalls what earlier install deployments put there, also those already deleted (the rollback order).
        for (const other of this.history) {
          if (other.AppModelID === b.AppModelID && other.TargetCollectionID === b.TargetCollectionID && other.DesiredConfigType === 1)
            this.engine.remove(`sccm:${other.AssignmentID}`);
        }
        this.engine.install(`sccm:${id}`, '', devices);
      } else {
        this.engine.install(`sccm:${id}`, String(app2.LocalizedDisplayName), devices);
      }
      res.status(201).json(a);
    });
    app.delete(`${base}/SMS_ApplicationAssignment\\(:id\\)`, authed, (req, res) => {
      const a = this.assignments.get(Number(req.params.id));
      if (!a) return this.renderError(res, 404, 'Not found');
      this.assignments.delete(Number(req.params.id));
      res.status(204).end();
    });

    app.get(`${base}/SMS_AppDeploymentAssetDetails`, authed, (req, res) => {
      let match;
      try {
        match = odataMatches(req.query.$filter, TYPES.SMS_AppDeploymentAssetDetails);
      } catch (err) {
        return this.renderError(res, 400, (err as Error).message);
      }
      const m = /AssignmentID eq (\d+)/.exec(String(req.query.$filter ?? ''));
      if (!m) return this.renderError(res, 400, '$filter=AssignmentID eq N is required');
      const states = this.engine.states(`sccm:${m[1]}`);
      // MachineID is the device's ResourceID as the inventory (SMS_R_System) reports it; EnforcementState 11 = failed install.
      const rows = states.map((s) => ({
        AssignmentID: Number(m[1]),
        MachineID: sccmResourceId({ index: this.engine.index(s.deviceId) }),
        MachineName: this.engine.deviceNames.get(s.deviceId) ?? s.deviceId,
        AppStatusType: s.state === 'pending' ? 2 : s.state === 'failed' ? 5 : 1,
        EnforcementState: s.state === 'pending' ? 2 : s.state === 'failed' ? 11 : 10,
      }));
      this.list(res, 'SMS_AppDeploymentAssetDetails', rows.filter(match));
    });
  }
}
