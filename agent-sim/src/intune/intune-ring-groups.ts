import { randomUUID } from 'node:crypto';
import express, { type RequestHandler, type Response } from 'express';
import type { FleetInventory } from '../shared/fleet-inventory';
import { intParam, oneParam, selfLink, stableGuid } from '../shared/paging';
import { RingObjectStore } from '../shared/ring-objects';
import { intuneIds } from './intune-inventory-routes';

/** Largest `members@odata.bind` list Graph takes in one PATCH (vendor-contracts.md A1 "bulk add … ≤20"). */
export const GRAPH_BIND_MAX = 20;
const BIND_PREFIX = /^https:\/\/graph\.microsoft\.com\/v1\.0\/directoryObjects\/([0-9a-f-]{36})$/;
const NICKNAME = /^[\x21-\x7e]{1,64}$/;
const NICKNAME_BAD = /[@()\\[\]";:.<>,\s]/;

function graphError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString() } } });
}

/** Entra security groups created at run time (ring targets), with the device deletions a wrong DELETE would cause. */
export class EntraRingGroups {
  readonly store = new RingObjectStore((_n, name) => stableGuid(`ring-group:${name}:${randomUUID()}`));
  /** Directory objects deleted through `DELETE /devices/{id}` or `DELETE /groups/{id}/members/{oid}` without `/$ref`. */
  readonly deletedDevices = new Set<string>();

  /** Called with the fleet ids of members just added (required assignments to the group reach them: Intune re-evaluates). */
  onMembersAdded: (groupId: string, fleetIds: string[]) => void = () => undefined;

  constructor(private readonly inventory: FleetInventory) {}

  private fleetByDirectoryId(): Map<string, string> {
    return new Map(this.inventory.devices().map((d) => [intuneIds(d.id).directoryId, d.id]));
  }

  /** Fleet device ids of a ring group's members (what an assignment to it installs on); undefined when not a ring group. */
  fleetMembers(groupId: string): string[] | undefined {
    const g = this.store.get(groupId);
    if (!g) return undefined;
    const map = this.fleetByDirectoryId();
    return [...g.members].map((oid) => map.get(oid)).filter((x): x is string => x !== undefined);
  }

  /**
   * Routes of contracts A1 for run-time groups: `POST /v1.0/groups`, `GET /v1.0/groups?$filter=displayName eq` (ring groups
   * first, else the next handler), `GET /v1.0/groups/{id}/members?$select=id&$top≤999` (nextLink), `PATCH /v1.0/groups/{id}`
   * with `members@odata.bind` (≤ 20, atomic, any existing member fails it all), `POST …/members/$ref`,
   * `DELETE …/members/{oid}/$ref`, and the destructive `DELETE …/members/{oid}` / `DELETE /v1.0/devices/{oid}`.
   */
  register(app: express.Express, authed: RequestHandler): void {
    const exists = (oid: string) => !this.deletedDevices.has(oid) && this.fleetByDirectoryId().has(oid);
    app.get('/v1.0/groups', authed, (req, res, next) => {
      const m = /^displayName eq '((?:[^']|'')*)'$/.exec(String(oneParam(req, '$filter') ?? '').trim());
      const found = m ? this.store.byName(m[1]!.replace(/''/g, "'")) : [];
      if (!found.length) return next();
      res.json({
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#groups(id,securityEnabled,groupTypes)',
        value: found.map((g) => ({ id: g.id, displayName: g.name, securityEnabled: true, groupTypes: [] })),
      });
    });
    app.post('/v1.0/groups', authed, (req, res) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const name = b.displayName;
      if (typeof name !== 'string' || !name || name.length > 256)
        return graphError(res, 400, 'Request_BadRequest', "Invalid value specified for property 'displayName'.");
      if (b.mailEnabled !== false || b.securityEnabled !== true)
        return graphError(res, 400, 'Request_BadRequest', 'mailEnabled must be false and securityEnabled true for a security group.');
      const nick = b.mailNickname;
      if (typeof nick !== 'string' || !NICKNAME.test(nick) || NICKNAME_BAD.test(nick)) {
        return graphError(res, 400, 'Request_BadRequest', "Invalid value specified for property 'mailNickname' of resource 'Group'.");
      }
      // displayName is not unique in Entra: a second create makes a second group (contracts A1 "Not unique").
      const g = this.store.create(name);
      res.status(201).json({ id: g.id, displayName: name, mailEnabled: false, mailNickname: nick, securityEnabled: true, groupTypes: [] });
    });
    app.get('/v1.0/groups/:id/members', authed, (req, res, next) => {
      const g = this.store.get(String(req.params.id));
      if (!g) return next();
      const top = intParam(req, '$top', 100);
      if (!Number.isFinite(top) || top < 1 || top > 999)
        return graphError(res, 400, 'BadRequest', 'Invalid $top value: must be between 1 and 999.');
      const offset = Number(oneParam(req, '$skiptoken') ?? '0');
      const all = [...g.members].sort();
      const value = all.slice(offset, offset + top).map((id) => ({ '@odata.type': '#microsoft.graph.device', id }));
      const next2 = offset + top < all.length ? selfLink(req, { $skiptoken: offset + top }) : undefined;
      res.json({
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#directoryObjects',
        value,
        ...(next2 ? { '@odata.nextLink': next2 } : {}),
      });
    });
    app.patch('/v1.0/groups/:id', authed, (req, res) => {
      const g = this.store.get(String(req.params.id));
      if (!g) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${String(req.params.id).slice(0, 40)}' does not exist.`);
      const binds = ((req.body ?? {}) as Record<string, unknown>)['members@odata.bind'];
      if (!Array.isArray(binds) || !binds.length)
        return graphError(res, 400, 'Request_BadRequest', 'members@odata.bind must be a non-empty array.');
      if (binds.length > GRAPH_BIND_MAX) {
        return graphError(res, 400, 'Request_BadRequest', `The maximum number of references in a single request is ${GRAPH_BIND_MAX}.`);
      }
      const oids: string[] = [];
      for (const b of binds) {
        const m = typeof b === 'string' ? BIND_PREFIX.exec(b) : null;
        if (!m) return graphError(res, 400, 'Request_BadRequest', 'Invalid object reference in members@odata.bind.');
        if (!exists(m[1]!)) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist.`);
        oids.push(m[1]!);
      }
      // Atomic: one already-present member fails the whole request and adds none.
      if (oids.some((o) => g.members.has(o)) || new Set(oids).size !== oids.length) {
        return graphError(
          res,
          400,
          'Request_BadRequest',
          "One or more added object references already exist for the following modified properties: 'members'.",
        );
      }
      for (const o of oids) g.members.add(o);
      this.store.memberAdds += oids.length;
      const map = this.fleetByDirectoryId();
      this.onMembersAdded(
        g.id,
        oids.map((o) => map.get(o)!),
      );
      res.status(204).end();
    });
    app.post('/v1.0/groups/:id/members/\\$ref', authed, (req, res) => {
      const g = this.store.get(String(req.params.id));
      if (!g) return graphError(res, 404, 'Request_ResourceNotFound', 'Resource does not exist.');
      const m = BIND_PREFIX.exec(String(((req.body ?? {}) as Record<string, unknown>)['@odata.id'] ?? ''));
      if (!m || !exists(m[1]!)) return graphError(res, 404, 'Request_ResourceNotFound', 'Resource does not exist.');
      if (g.members.has(m[1]!))
        return graphError(
          res,
          400,
          'Request_BadRequest',
          "One or more added object references already exist for the following modified properties: 'members'.",
        );
      g.members.add(m[1]!);
      this.store.memberAdds++;
      this.onMembersAdded(g.id, [this.fleetByDirectoryId().get(m[1]!)!]);
      res.status(204).end();
    });
    app.delete('/v1.0/groups/:id/members/:oid/\\$ref', authed, (req, res) => {
      const g = this.store.get(String(req.params.id));
      const oid = String(req.params.oid);
      if (!g || !g.members.has(oid))
        return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${oid.slice(0, 40)}' does not exist.`);
      g.members.delete(oid);
      this.store.memberRemoves++;
      res.status(204).end();
    });
    // Without `/$ref` Graph addresses the directory object itself: the device is deleted (contracts A1 "Keep /$ref").
    const deleteDevice = (oid: string, res: Response) => {
      if (!exists(oid)) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${oid.slice(0, 40)}' does not exist.`);
      this.deletedDevices.add(oid);
      // The device object is gone: it leaves the directory and the inventory (the test proves the connector never does this).
      this.inventory.remove([this.fleetByDirectoryId().get(oid)!]);
      this.store.forget(oid);
      res.status(204).end();
    };
    app.delete('/v1.0/groups/:id/members/:oid', authed, (req, res) => deleteDevice(String(req.params.oid), res));
    app.delete('/v1.0/devices/:oid', authed, (req, res) => deleteDevice(String(req.params.oid), res));
  }
}
