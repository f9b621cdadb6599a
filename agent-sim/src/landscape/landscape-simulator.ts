import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { SimServer } from '../shared/sim-server';
import { landscapeSignature } from './landscape-signature';
import { FleetInventory } from '../shared/fleet-inventory';
import { landscapeGetComputers } from './landscape-inventory-routes';

interface Script {
  id: number;
  title: string;
  code: string;
  time_limit: number;
  username: string;
  access_group: string;
}
interface ActivityGroup {
  id: number;
  summary: string;
  scriptId: number;
  query: string;
  created: string;
  canceled: boolean;
}

/**
 * Canonical Landscape legacy API simulator (vendor-contracts.md §4): HMAC-SHA256 signature v2 checked on every call,
 * CreateScript (DuplicateScript on a reused title), GetScripts, ExecuteScript (always a new ActivityGroup with one child
 * activity per computer matching `tag:<group>`), GetActivities (`parent-id:N`, `type:ActivityGroup`) and CancelActivities.
 */
export class LandscapeSimulator extends SimServer {
  readonly accessKey = 'EUCORAACCESSKEY';
  readonly secretKey: string;
  private readonly scripts = new Map<number, Script>();
  private readonly groups = new Map<number, ActivityGroup>();
  private nextId = 1000;
  executions = 0;
  /** Linux devices of the fleet as Landscape's computers (landscape-inventory-routes.ts). */
  readonly inventory = FleetInventory.forPlane('landscape', this.fleet);

  constructor(fleet: FleetOptions = {}, secretKey = 'landscape-sim-secret') {
    super(fleet);
    this.secretKey = secretKey;
  }

  protected counters() {
    const executionsBySummary: Record<string, number> = {};
    for (const g of this.groups.values()) executionsBySummary[g.summary] = (executionsBySummary[g.summary] ?? 0) + 1;
    return { scripts: this.scripts.size, executions: this.executions, executionsBySummary };
  }

  protected renderError(res: Response, status: number, message: string): void {
    res.status(status).json({ error: status >= 500 ? 'InternalError' : status === 429 ? 'Throttled' : 'RequestError', message });
  }

  private named(res: Response, name: string, message: string) {
    res.status(400).json({ error: name, message });
  }

  private children(g: ActivityGroup) {
    return this.engine.states(`landscape:${g.id}`).map((s, i) => ({
      id: g.id * 1000 + i + 1,
      parent_id: g.id,
      computer_id: i + 1,
      type: 'ExecuteScriptRequest',
      summary: g.summary,
      activity_status: g.canceled && s.state === 'pending' ? 'canceled' : s.state === 'pending' ? 'delivered' : s.state === 'failed' ? 'failed' : 'succeeded',
      result_code: s.state === 'failed' ? 1 : s.state === 'pending' ? null : 0,
      result_text: s.state === 'failed' ? 'script exited with 1' : '',
      creation_time: g.created,
      completion_time: s.state === 'pending' ? null : new Date().toISOString(),
      children: [],
      progress: s.state === 'pending' ? 50 : 100,
    }));
  }

  private groupView(g: ActivityGroup) {
    return { id: g.id, parent_id: null, summary: g.summary, type: 'ActivityGroup', creator: { name: 'EUCORA', email: 'eucora@example.com', id: 1 }, creation_time: g.created };
  }

  protected routes(app: express.Express): void {
    app.use(express.urlencoded({ extended: false }));
    const handler = (req: Request, res: Response) => {
      const params = { ...(req.query as Record<string, string>), ...((req.body ?? {}) as Record<string, string>) };
      if (params.access_key_id !== this.accessKey) return void res.status(401).json({ error: 'InvalidCredentials', message: 'Unknown access key' });
      if (params.signature_method !== 'HmacSHA256' || params.signature_version !== '2' || params.version !== '2011-08-01') {
        return this.named(res, 'InvalidParameters', 'signature_method=HmacSHA256, signature_version=2 and version=2011-08-01 are required');
      }
      const expected = Buffer.from(landscapeSignature(this.secretKey, req.method, req.header('host') ?? '', req.path, params));
      const given = Buffer.from(String(params.signature ?? ''));
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return void res.status(401).json({ error: 'InvalidSignature', message: 'The request signature does not match' });
      switch (params.action) {
        case 'CreateScript': {
          if ([...this.scripts.values()].some((s) => s.title === params.title)) return this.named(res, 'DuplicateScript', `A script titled "${params.title}" already exists`);
          const s: Script = { id: this.nextId++, title: String(params.title), code: Buffer.from(String(params.code ?? ''), 'base64').toString(), time_limit: Number(params.time_limit ?? 300), username: String(params.username ?? 'root'), access_group: String(params.access_group ?? 'global') };
          this.scripts.set(s.id, s);
          return void res.json({ id: s.id, title: s.title, time_limit: s.time_limit, username: s.username, access_group: s.access_group, creator: { name: 'EUCORA', id: 1 } });
        }
        case 'GetScripts':
          return void res.json([...this.scripts.values()].map((s) => ({ id: s.id, title: s.title, time_limit: s.time_limit, username: s.username, access_group: s.access_group })));
        case 'ExecuteScript': {
          const script = this.scripts.get(Number(params.script_id));
          if (!script) return this.named(res, 'UnknownScript', `No script with id ${params.script_id}`);
          const tag = /^tag:(.+)$/.exec(String(params.query ?? ''))?.[1];
          if (!tag) return this.named(res, 'InvalidQuery', 'query must be tag:<name>');
          const g: ActivityGroup = { id: this.nextId++, summary: `Run script: ${script.title} on ${params.query}`, scriptId: script.id, query: String(params.query), created: new Date().toISOString(), canceled: false };
          this.groups.set(g.id, g);
          this.executions++;
          const devices = this.engine.members(tag);
          if (/uninstall/i.test(script.title)) {
            for (const other of this.groups.values()) if (other.query === g.query && other.id !== g.id && !/uninstall/i.test(this.scripts.get(other.scriptId)?.title ?? '')) this.engine.remove(`landscape:${other.id}`);
            this.engine.install(`landscape:${g.id}`, '', devices);
          } else this.engine.install(`landscape:${g.id}`, script.title, devices);
          return void res.json(this.groupView(g));
        }
        case 'GetActivities': {
          const q = String(params.query ?? '');
          const parent = /parent-id:(\d+)/.exec(q)?.[1];
          if (parent) {
            const g = this.groups.get(Number(parent));
            return void res.json(g ? this.children(g) : []);
          }
          if (/type:ActivityGroup/.test(q)) return void res.json([...this.groups.values()].map((g) => this.groupView(g)));
          return this.named(res, 'InvalidQuery', 'supported queries: parent-id:N, type:ActivityGroup');
        }
        case 'CancelActivities': {
          const parent = /parent-id:(\d+)/.exec(String(params.query ?? ''))?.[1];
          const g = parent ? this.groups.get(Number(parent)) : undefined;
          if (!g) return void res.json([]);
          const pending = this.children(g).filter((c) => c.activity_status === 'delivered').map((c) => c.id);
          g.canceled = true;
          return void res.json(pending);
        }
        case 'GetComputers':
          return landscapeGetComputers(this.inventory, params, res);
        default:
          return this.named(res, 'UnknownAction', `Unknown action ${params.action}`);
      }
    };
    app.get('/api/', handler);
    app.post('/api/', handler);
  }
}
