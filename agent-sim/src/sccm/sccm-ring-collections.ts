import type express from 'express';
import type { RequestHandler, Response } from 'express';
import type { FleetInventory } from '../shared/fleet-inventory';
import { oneParam } from '../shared/paging';
import { sccmResourceId } from './sccm-inventory-routes';

type Obj = Record<string, unknown>;
const CTX = 'https://sccm.contoso.local/AdminService/wmi/$metadata#';
const KEYED = new RegExp(
  /^\/AdminService\/wmi\/SMS_Collection\((?:'|%27)([A-Za-z0-9]{3,12})(?:'|%27)\)/.source +
    /(?:\/AdminService\.(AddMembershipRule|DeleteMembershipRule|RequestRefresh))?$/.source,
);

function sccmError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: { code: String(status), message } });
}

/**
 * Direct-rule device collections of the SCCM simulator (contracts A3): collections created over the API hold
 * `SMS_CollectionRuleDirect` rules; key GET `SMS_Collection('<id>')` shows `CollectionRules`; `AddMembershipRule`
 * (one rule, 201; a rule for an existing ResourceID → 400), `DeleteMembershipRule` (the existing rule's properties),
 * `RequestRefresh`; `SMS_FullCollectionMembership` of such a collection lists exactly its rules' resources.
 */
export class SccmRingCollections {
  /** Direct rules by CollectionID, for collections created over the API. */
  readonly rules = new Map<string, Map<number, Obj>>();
  ruleAdds = 0;
  ruleDeletes = 0;

  constructor(
    private readonly inventory: FleetInventory,
    private readonly collection: (id: string) => Obj | undefined,
    /** Called after a rule was added: running install deployments to the collection reach the new member. */
    private readonly onAdded: (collectionId: string, fleetId: string) => void,
  ) {}

  private fleetByResource(): Map<number, string> {
    return new Map(this.inventory.devices().map((d) => [sccmResourceId(d), d.id]));
  }

  /** Fleet device ids of a direct-rule collection; undefined for the fleet's own collections. */
  fleetMembers(collectionId: string): string[] | undefined {
    const r = this.rules.get(collectionId);
    if (!r) return undefined;
    const map = this.fleetByResource();
    return [...r.keys()].map((id) => map.get(id)).filter((x): x is string => x !== undefined);
  }

  register(app: express.Express, authed: RequestHandler): void {
    app.get('/AdminService/wmi/SMS_FullCollectionMembership', authed, (req, res, next) => {
      const m = /^CollectionID eq '([A-Z0-9]{3,12})'$/.exec(oneParam(req, '$filter')?.trim() ?? '');
      const rules = m ? this.rules.get(m[1]!) : undefined;
      if (!rules) return next();
      const names = new Map(this.inventory.devices().map((d) => [sccmResourceId(d), d.name]));
      const value = [...rules.keys()]
        .sort((a, b) => a - b)
        .map((id) => ({
          CollectionID: m![1],
          ResourceID: id,
          Name: names.get(id) ?? '',
          IsClient: true,
          IsObsolete: false,
          ResourceType: 5,
        }));
      res.json({ '@odata.context': `${CTX}SMS_FullCollectionMembership`, value });
    });
    const keyed = (req: express.Request, res: Response, next: express.NextFunction) => {
      const m = KEYED.exec(req.path);
      if (!m) return next();
      const c = this.collection(m[1]!);
      if (!c) return sccmError(res, 404, 'Not found');
      const rules = this.rules.get(m[1]!);
      const op = m[2];
      if (req.method === 'GET' && !op) {
        const CollectionRules = rules ? [...rules.values()] : [];
        return void res.json({
          '@odata.context': `${CTX}SMS_Collection`,
          value: [{ ...c, CollectionRules, MemberCount: rules?.size ?? c.MemberCount }],
        });
      }
      if (req.method !== 'POST' || !op) return next();
      if (op === 'RequestRefresh') return void res.status(200).json({ ReturnValue: 0 });
      if (!rules) return sccmError(res, 400, 'Collection does not take direct membership rules here');
      const rule = ((req.body ?? {}) as Obj).collectionRule as Obj | undefined;
      if (
        rule?.['@odata.type'] !== '#AdminService.SMS_CollectionRuleDirect' ||
        rule.ResourceClassName !== 'SMS_R_System' ||
        typeof rule.ResourceID !== 'number'
      ) {
        return sccmError(res, 400, 'collectionRule must be an SMS_CollectionRuleDirect on SMS_R_System with a numeric ResourceID');
      }
      const id = rule.ResourceID;
      if (op === 'AddMembershipRule') {
        const fleetId = this.fleetByResource().get(id);
        if (!fleetId) return sccmError(res, 400, `Resource ${id} does not exist`);
        if (rules.has(id)) return sccmError(res, 400, `A rule for resource ${id} already exists`);
        rules.set(id, {
          '@odata.type': '#AdminService.SMS_CollectionRuleDirect',
          ResourceClassName: 'SMS_R_System',
          ResourceID: id,
          RuleName: String(rule.RuleName ?? id),
        });
        this.ruleAdds++;
        this.onAdded(m[1]!, fleetId);
        return void res.status(201).json({ ReturnValue: 0, QueryID: 0 });
      }
      if (!rules.has(id)) return sccmError(res, 404, `No rule for resource ${id}`);
      rules.delete(id);
      this.ruleDeletes++;
      res.status(200).json({ ReturnValue: 0 });
    };
    app.use((req, res, next) => (KEYED.test(req.path) ? authed(req, res, () => keyed(req, res, next)) : next()));
  }
}
