import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { SimServer } from '../shared/sim-server';
import { landscapeSignature } from './landscape-signature';
import { FleetInventory } from '../shared/fleet-inventory';
import { landscapeComputerId, landscapeGetComputers, landscapeMatch } from './landscape-inventory-routes';

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
  /** Child activity ids canceled by CancelActivities. */
  canceled: Set<number>;
}

interface ActivityView {
  id: number;
  parent_id: number | null;
  type: string;
  summary: string;
  activity_status: string;
  creation_time: string;
  [k: string]: unknown;
}

/** Tag names Landscape accepts (letters, digits, `-`, `_`, `.`; no spaces); others are `InvalidTag`. */
const LANDSCAPE_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Statuses CancelActivities may change; anything else selected is an `InvalidActivityStatusChange` (contracts A4). */
const CANCELLABLE = new Set(['undelivered', 'scheduled', 'unapproved', 'delivered']);

/**
 * Canonical Landscape legacy API simulator (vendor-contracts.md §4, A4): HMAC-SHA256 signature v2 checked on every call,
 * CreateScript (DuplicateScript on a reused title), GetScripts, RemoveScript, ExecuteScript (always a new ActivityGroup,
 * summary `Run script: <title>`, with one child activity per computer matching `tag:<group>`; children are `undelivered`
 * until the computer picks them up), GetActivities (query terms `id:` `parent-id:` `status:` `type:` `created-after:`
 * `created-before:`, space = AND) and CancelActivities (400 `InvalidActivityStatusChange` with `<id> => <message>` lines when
 * the selection holds finished activities).
 */
export class LandscapeSimulator extends SimServer {
  readonly accessKey = 'EUCORAACCESSKEY';
  readonly secretKey: string;
  private readonly scripts = new Map<number, Script>();
  private readonly groups = new Map<number, ActivityGroup>();
  private nextId = 1000;
  executions = 0;
  /** Tags added over the API (ring targets, contracts A4); ExecuteScript on them runs on their computers at call time. */
  private readonly runtimeTags = new Set<string>();
  private tagChanges = 0;
  /** Linux devices of the fleet as Landscape's computers (landscape-inventory-routes.ts). */
  readonly inventory = FleetInventory.forPlane('landscape', this.fleet);

  constructor(fleet: FleetOptions = {}, secretKey = 'landscape-sim-secret') {
    super(fleet);
    this.secretKey = secretKey;
  }

  protected counters() {
    const executionsBySummary: Record<string, number> = {};
    for (const g of this.groups.values()) executionsBySummary[g.summary] = (executionsBySummary[g.summary] ?? 0) + 1;
    return {
      scripts: this.scripts.size,
      executions: this.executions,
      activityGroups: this.groups.size,
      executionsBySummary,
      tagChanges: this.tagChanges,
      runtimeTags: this.runtimeTags.size,
    };
  }

  protected renderError(res: Response, status: number, message: string): void {
    res.status(status).json({ error: status >= 500 ? 'InternalError' : status === 429 ? 'Throttled' : 'RequestError', message });
  }

  private named(res: Response, name: string, message: string) {
    res.status(400).json({ error: name, message });
  }

  private children(g: ActivityGroup): ActivityView[] {
    const age = Date.now() - Date.parse(g.created);
    return this.engine.states(`landscape:${g.id}`).map((s, i) => {
      const id = g.id * 1000 + i + 1;
      const canceled = g.canceled.has(id);
      // Pending work is undelivered until the computer's next exchange (half the install time here), then delivered.
      const pending = age < this.engine.config.installDurationMs / 2 ? 'undelivered' : 'delivered';
      const status = canceled ? 'canceled' : s.state === 'pending' ? pending : s.state === 'failed' ? 'failed' : 'succeeded';
      return {
        id,
        parent_id: g.id,
        // The computer's id as GetComputers reports it, so a status reader can key children by the synced device.
        computer_id: landscapeComputerId({ index: this.engine.index(s.deviceId) }),
        type: 'ExecuteScriptRequest',
        summary: g.summary,
        activity_status: status,
        result_code: status === 'failed' ? 1 : status === 'succeeded' ? 0 : null,
        result_text: status === 'failed' ? 'Script exited with code 1: install failed\n' : status === 'canceled' ? 'Activity canceled' : '',
        creation_time: g.created,
        completion_time: status === 'failed' || status === 'succeeded' ? new Date().toISOString() : null,
        children: [],
        progress: status === 'succeeded' || status === 'failed' ? 100 : 0,
      };
    });
  }

  private groupView(g: ActivityGroup): ActivityView {
    return {
      id: g.id,
      parent_id: null,
      summary: g.summary,
      type: 'ActivityGroup',
      creator: { name: 'EUCORA', email: 'eucora@example.com', id: 1 },
      creation_time: g.created,
      activity_status: 'succeeded',
    };
  }

  /** Activities selected by a query (contracts A4 keywords; space = AND), or the InvalidQuery message. */
  private select(query: string): ActivityView[] | string {
    const terms = query.trim().split(/\s+/).filter(Boolean);
    if (!terms.length) return 'an activity query is required';
    const tests: ((a: ActivityView) => boolean)[] = [];
    for (const t of terms) {
      const m = /^(id|parent-id|status|type|created-after|created-before):(.+)$/.exec(t);
      if (!m) return `Unsupported query term: ${t}`;
      const [, key, value] = m as unknown as [string, string, string];
      if (key === 'id' || key === 'parent-id') {
        if (!/^\d+$/.test(value)) return `${key} takes a number: ${t}`;
        tests.push(key === 'id' ? (a) => a.id === Number(value) : (a) => a.parent_id === Number(value));
      } else if (key === 'status') tests.push((a) => a.activity_status === value);
      else if (key === 'type') tests.push((a) => a.type === value);
      else {
        const at = Date.parse(value);
        if (Number.isNaN(at)) return `${key} takes a date: ${t}`;
        tests.push(key === 'created-after' ? (a) => Date.parse(a.creation_time) > at : (a) => Date.parse(a.creation_time) < at);
      }
    }
    const all = [...this.groups.values()].flatMap((g) => [this.groupView(g), ...this.children(g)]);
    return all.filter((a) => tests.every((f) => f(a)));
  }

  protected routes(app: express.Express): void {
    app.use(express.urlencoded({ extended: false }));
    const handler = (req: Request, res: Response) => {
      const params = { ...(req.query as Record<string, string>), ...((req.body ?? {}) as Record<string, string>) };
      if (params.access_key_id !== this.accessKey)
        return void res.status(401).json({ error: 'InvalidCredentials', message: 'Unknown access key' });
      if (params.signature_method !== 'HmacSHA256' || params.signature_version !== '2' || params.version !== '2011-08-01') {
        return this.named(res, 'InvalidParameters', 'signature_method=HmacSHA256, signature_version=2 and version=2011-08-01 are required');
      }
      const expected = Buffer.from(landscapeSignature(this.secretKey, req.method, req.header('host') ?? '', req.path, params));
      const given = Buffer.from(String(params.signature ?? ''));
      if (expected.length !== given.length || !timingSafeEqual(expected, given))
        return void res.status(401).json({ error: 'InvalidSignature', message: 'The request signature does not match' });
      switch (params.action) {
        case 'CreateScript': {
          if ([...this.scripts.values()].some((s) => s.title === params.title))
            return this.named(res, 'DuplicateScript', `A script titled "${params.title}" already exists`);
          const s: Script = {
            id: this.nextId++,
            title: String(params.title),
            code: Buffer.from(String(params.code ?? ''), 'base64').toString(),
            time_limit: Number(params.time_limit ?? 300),
            username: String(params.username ?? 'root'),
            access_group: String(params.access_group ?? 'global'),
          };
          this.scripts.set(s.id, s);
          return void res.json({
            id: s.id,
            title: s.title,
            time_limit: s.time_limit,
            username: s.username,
            access_group: s.access_group,
            creator: { name: 'EUCORA', id: 1 },
          });
        }
        case 'GetScripts':
          return void res.json(
            [...this.scripts.values()].map((s) => ({
              id: s.id,
              title: s.title,
              time_limit: s.time_limit,
              username: s.username,
              access_group: s.access_group,
            })),
          );
        case 'RemoveScript': {
          if (!this.scripts.delete(Number(params.script_id)))
            return this.named(res, 'UnknownScript', `No script with id ${params.script_id}`);
          return void res.json(null);
        }
        case 'ExecuteScript': {
          const script = this.scripts.get(Number(params.script_id));
          if (!script) return this.named(res, 'UnknownScript', `No script with id ${params.script_id}`);
          const tag = /^tag:(.+)$/.exec(String(params.query ?? ''))?.[1];
          if (!tag) return this.named(res, 'InvalidQuery', 'query must be tag:<name>');
          const g: ActivityGroup = {
            id: this.nextId++,
            summary: `Run script: ${script.title}`,
            scriptId: script.id,
            query: String(params.query),
            created: new Date().toISOString(),
            canceled: new Set(),
          };
          this.groups.set(g.id, g);
          this.executions++;
          // The query resolves at call time (contracts A4): a ring tag runs on the computers carrying it now.
          const devices = this.runtimeTags.has(tag) ? this.inventory.members(tag).map((d) => d.id) : this.engine.members(tag);
          if (/uninstall/i.test(script.title)) {
            for (const other of this.groups.values())
              if (other.query === g.query && other.id !== g.id && !/uninstall/i.test(this.scripts.get(other.scriptId)?.title ?? ''))
                this.engine.remove(`landscape:${other.id}`);
            this.engine.install(`landscape:${g.id}`, '', devices);
          } else this.engine.install(`landscape:${g.id}`, script.title, devices);
          return void res.json(this.groupView(g));
        }
        case 'GetActivities': {
          const found = this.select(String(params.query ?? ''));
          if (typeof found === 'string') return this.named(res, 'InvalidQuery', found);
          return void res.json(found);
        }
        case 'CancelActivities': {
          const found = this.select(String(params.query ?? ''));
          if (typeof found === 'string') return this.named(res, 'InvalidQuery', found);
          const stuck = found.filter((a) => a.type !== 'ActivityGroup' && !CANCELLABLE.has(a.activity_status));
          if (stuck.length) {
            const lines = stuck.map((a) => `${a.id} => Activity ${a.id} is ${a.activity_status} and cannot be canceled`);
            return void res.status(400).json({ error: 'InvalidActivityStatusChange', message: lines.join('\n') });
          }
          const ids: number[] = [];
          for (const a of found) {
            if (a.type === 'ActivityGroup') continue;
            this.groups.get(a.parent_id!)!.canceled.add(a.id);
            ids.push(a.id);
          }
          return void res.json(ids);
        }
        case 'AddTagsToComputers':
        case 'RemoveTagsFromComputers': {
          const tags = Object.keys(params)
            .filter((k) => /^tags\.\d+$/.test(k))
            .map((k) => String(params[k]));
          if (!tags.length) return this.named(res, 'InvalidParameters', 'tags.1 is required');
          const bad = tags.find((t) => !LANDSCAPE_TAG.test(t));
          if (bad !== undefined) return this.named(res, 'InvalidTag', `Invalid tag: ${bad.slice(0, 64)}`);
          let hits;
          try {
            hits = landscapeMatch(this.inventory, String(params.query ?? ''));
          } catch (err) {
            return this.named(res, 'InvalidQuery', (err as Error).message);
          }
          if (!String(params.query ?? '').trim()) return this.named(res, 'InvalidQuery', 'a computer query is required');
          const add = params.action === 'AddTagsToComputers';
          for (const t of tags) {
            if (add) this.runtimeTags.add(t);
            this.tagChanges += this.inventory.setGroup(
              hits.map((d) => d.id),
              t,
              add,
            );
          }
          // Result shape unverified (contracts A4): the affected computer ids.
          return void res.json(hits.map((d) => d.index + 1));
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
