import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { odataMatches } from '../shared/odata';
import { SimServer } from '../shared/sim-server';
import { FleetInventory } from '../shared/fleet-inventory';
import { registerSccmInventoryRoutes } from './sccm-inventory-routes';

type Obj = Record<string, unknown>;

/**
 * Microsoft Configuration Manager AdminService simulator (OData v4, vendor-contracts.md §3): applications, collections
 * (one per ring group pre-created, like the collections an SCCM admin maintains), application assignments and per-machine
 * asset details. As the real service, a duplicate create succeeds and makes a duplicate: connectors must look up first.
 * Auth: Basic (stands in for Windows Negotiate).
 */
export class SccmSimulator extends SimServer {
  readonly username = 'CONTOSO\\eucora';
  readonly password: string;
  private readonly apps = new Map<number, Obj>();
  private readonly collections = new Map<string, Obj>();
  private readonly assignments = new Map<number, Obj>();
  private nextCi = 16777000;
  private nextCollection = 100001;
  private nextAssignment = 16777500;
  /** Windows devices of the fleet as the site's inventory (sccm-inventory-routes.ts). */
  readonly inventory = FleetInventory.forPlane('sccm', this.fleet);

  constructor(fleet: FleetOptions = {}, password = 'sccm-sim-password') {
    super(fleet);
    this.password = password;
    for (const name of this.engine.groups.keys()) this.addCollection(name, 'Ring group');
  }

  private addCollection(name: string, comment: string): Obj {
    const c = { CollectionID: `PS1${String(this.nextCollection++).padStart(5, '0')}`, Name: name, CollectionType: 2, LimitToCollectionID: 'SMS00001', Comment: comment, MemberCount: this.engine.members(name).length };
    this.collections.set(String(c.CollectionID), c);
    return c;
  }

  protected counters() {
    const installs: Record<string, number> = {};
    const names = new Map([...this.apps.values()].map((a) => [a.ModelName, a.LocalizedDisplayName]));
    for (const a of this.assignments.values()) {
      const k = `${names.get(a.AppModelID) ?? a.AppModelID}|${a.TargetCollectionID}|${a.DesiredConfigType}`;
      installs[k] = (installs[k] ?? 0) + 1;
    }
    const appsByName: Record<string, number> = {};
    for (const a of this.apps.values()) appsByName[String(a.LocalizedDisplayName)] = (appsByName[String(a.LocalizedDisplayName)] ?? 0) + 1;
    return { applications: this.apps.size, assignments: this.assignments.size, assignmentsByKey: installs, appsByName };
  }

  protected renderError(res: Response, status: number, message: string): void {
    res.status(status).json({ error: { code: String(status), message } });
  }

  private list(res: Response, cls: string, items: Obj[], select?: unknown) {
    const fields = typeof select === 'string' ? select.split(',').map((s) => s.trim()) : null;
    res.json({ '@odata.context': `https://sccm.contoso.local/AdminService/wmi/$metadata#${cls}`, value: items.map((o) => (fields ? Object.fromEntries(fields.map((f) => [f, o[f]])) : o)) });
  }

  protected routes(app: express.Express): void {
    app.use(express.json({ limit: '5mb' }));
    const authed = (req: Request, res: Response, next: NextFunction) => {
      const h = req.header('authorization') ?? '';
      const [user, ...rest] = Buffer.from(h.replace(/^Basic /, ''), 'base64').toString().split(':');
      if (!h.startsWith('Basic ') || user !== this.username || rest.join(':') !== this.password) return this.renderError(res, 401, 'Unauthorized');
      next();
    };
    const filtered = (req: Request, res: Response, items: Obj[], cls: string) => {
      let match;
      try {
        match = odataMatches(req.query.$filter);
      } catch (err) {
        return this.renderError(res, 400, (err as Error).message);
      }
      this.list(res, cls, items.filter(match), req.query.$select);
    };
    const base = '/AdminService/wmi';
    registerSccmInventoryRoutes(app, this.inventory, authed, (id) => this.collections.get(id)?.Name as string | undefined);

    app.get(`${base}/SMS_Application`, authed, (req, res) => filtered(req, res, [...this.apps.values()], 'SMS_Application'));
    app.get(`${base}/SMS_Application\\(:id\\)`, authed, (req, res) => {
      const a = this.apps.get(Number(req.params.id));
      if (!a) return this.renderError(res, 404, 'Not found');
      this.list(res, 'SMS_Application', [a]);
    });
    app.post(`${base}/SMS_Application`, authed, (req, res) => {
      const xml = String((req.body as Obj).SDMPackageXML ?? '');
      const title = /<Title>([^<]*)<\/Title>/.exec(xml)?.[1];
      if (!title) return this.renderError(res, 400, 'SDMPackageXML must contain a Title');
      const ci = this.nextCi++;
      const a = { CI_ID: ci, LocalizedDisplayName: title, IsLatest: true, ModelName: `ScopeId_EUCORA/Application_${randomUUID()}`, SDMPackageXML: xml };
      this.apps.set(ci, a);
      res.status(201).json(a);
    });

    app.get(`${base}/SMS_Collection`, authed, (req, res) => filtered(req, res, [...this.collections.values()], 'SMS_Collection'));
    app.post(`${base}/SMS_Collection`, authed, (req, res) => {
      const b = req.body as Obj;
      if (typeof b.Name !== 'string' || !b.Name) return this.renderError(res, 400, 'Name is required');
      res.status(201).json(this.addCollection(b.Name, String(b.Comment ?? '')));
    });

    app.get(`${base}/SMS_ApplicationAssignment`, authed, (req, res) => filtered(req, res, [...this.assignments.values()], 'SMS_ApplicationAssignment'));
    app.post(`${base}/SMS_ApplicationAssignment`, authed, (req, res) => {
      const b = req.body as Obj;
      const app2 = [...this.apps.values()].find((a) => a.ModelName === b.AppModelID);
      const coll = this.collections.get(String(b.TargetCollectionID));
      if (!app2 || !coll) return this.renderError(res, 400, 'AppModelID and TargetCollectionID must exist');
      const id = this.nextAssignment++;
      const a = { ...b, AssignmentID: id, AssignmentUniqueID: `{${randomUUID().toUpperCase()}}`, Enabled: true };
      this.assignments.set(id, a);
      const devices = this.engine.members(String(coll.Name));
      if (Number(b.DesiredConfigType) === 2) {
        for (const other of this.assignments.values()) {
          if (other.AppModelID === b.AppModelID && other.TargetCollectionID === b.TargetCollectionID && Number(other.DesiredConfigType) === 1) this.engine.remove(`sccm:${other.AssignmentID}`);
        }
        this.engine.install(`sccm:${id}`, '', devices);
      } else this.engine.install(`sccm:${id}`, String(app2.LocalizedDisplayName), devices);
      res.status(201).json(a);
    });
    app.delete(`${base}/SMS_ApplicationAssignment\\(:id\\)`, authed, (req, res) => {
      if (!this.assignments.delete(Number(req.params.id))) return this.renderError(res, 404, 'Not found');
      res.status(204).end();
    });

    app.get(`${base}/SMS_AppDeploymentAssetDetails`, authed, (req, res) => {
      const m = /AssignmentID eq (\d+)/.exec(String(req.query.$filter ?? ''));
      if (!m) return this.renderError(res, 400, '$filter=AssignmentID eq N is required');
      const states = this.engine.states(`sccm:${m[1]}`);
      const rows = states.map((s, i) => ({
        AssignmentID: Number(m[1]),
        MachineID: 16780000 + i,
        MachineName: this.engine.deviceNames.get(s.deviceId) ?? s.deviceId,
        AppStatusType: s.state === 'pending' ? 2 : s.state === 'failed' ? 5 : 1,
        EnforcementState: s.state === 'pending' ? 2 : s.state === 'failed' ? 11 : 10,
      }));
      this.list(res, 'SMS_AppDeploymentAssetDetails', rows);
    });
  }
}
