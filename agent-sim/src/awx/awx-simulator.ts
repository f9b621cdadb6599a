import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { SimServer } from '../shared/sim-server';
import { FleetInventory } from '../shared/fleet-inventory';
import { awxHostId, registerAwxInventoryRoutes } from './awx-inventory-routes';
import { AwxRingGroups } from './awx-ring-groups';
import { intParam, selfLink } from '../shared/paging';

interface Template {
  id: number;
  name: string;
  organization: number;
  inventory: number;
  /** The template's own limit and extra vars: what a job runs with when the launch's values are ignored. */
  limit: string;
  extra_vars: Record<string, unknown>;
  ask_variables_on_launch: boolean;
  ask_limit_on_launch: boolean;
  ask_labels_on_launch: boolean;
  ask_inventory_on_launch: boolean;
  ask_tags_on_launch: boolean;
}

/**
 * A job template of organization 1 on inventory 1 with no limit or variables of its own; `prompts` says whether a launch may
 * set variables, limit and labels (inventory and tags are never asked on launch).
 */
function jobTemplate(id: number, name: string, prompts: boolean): Template {
  return {
    id,
    name,
    organization: 1,
    inventory: 1,
    limit: '',
    extra_vars: {},
    ask_variables_on_launch: prompts,
    ask_limit_on_launch: prompts,
    ask_labels_on_launch: prompts,
    ask_inventory_on_launch: false,
    ask_tags_on_launch: false,
  };
}

interface Label {
  id: number;
  name: string;
  organization: number;
}

/** Launch fields and the template flag that must prompt for each (AWX JobLaunchSerializer); unprompted → `ignored_fields`. */
const PROMPTS: [field: string, flag: keyof Template][] = [
  ['extra_vars', 'ask_variables_on_launch'],
  ['limit', 'ask_limit_on_launch'],
  ['labels', 'ask_labels_on_launch'],
  ['inventory', 'ask_inventory_on_launch'],
  ['job_tags', 'ask_tags_on_launch'],
];

interface Job {
  id: number;
  templateId: number;
  name: string;
  limit: string;
  extraVars: Record<string, unknown>;
  labels: number[];
  created: number;
  canceled: boolean;
}

const ACTIVE = new Set(['new', 'pending', 'waiting', 'running']);

/**
 * Ansible AWX (API v2) simulator, vendor-contracts.md §5, A5 and Corrections to Part 1: token from Basic auth, job templates
 * by name with their launch prompts, labels per organization (`labels` on launch are label ids), launch (never idempotent:
 * every POST is a new job; a field the template does not prompt for is moved to `ignored_fields` and the job runs with the
 * template's own values, so an ignored `limit` reaches every host of the inventory), job status and per-host summaries,
 * cancel (202 when active, 405 when not), and `labels__name` lookups; `extra_vars__icontains` filters are rejected.
 */
export class AwxSimulator extends SimServer {
  readonly username = 'eucora';
  readonly password: string;
  private readonly tokens = new Set<string>();
  readonly organization = 1;
  readonly templates: Template[] = [
    jobTemplate(7, 'eucora-deploy', true),
    jobTemplate(8, 'eucora-rollback', true),
    // Prompts for nothing: a job launched from it runs with the template's own limit and variables.
    jobTemplate(9, 'locked-template', false),
  ];
  private readonly labels = new Map<number, Label>();
  private nextLabel = 1;
  private readonly jobs = new Map<number, Job>();
  private nextJob = 100;
  launches = 0;
  /** Linux devices of the fleet as AWX inventory hosts (awx-inventory-routes.ts). */
  readonly inventory = FleetInventory.forPlane('awx', this.fleet);
  /** Ring groups created over the API (contracts A5). */
  readonly ringGroups = new AwxRingGroups(this.inventory, () => Object.keys(this.inventory.groupSizes()));

  constructor(fleet: FleetOptions = {}, password = 'awx-sim-password') {
    super(fleet);
    this.password = password;
  }

  protected counters() {
    const byLabel: Record<string, number> = {};
    for (const j of this.jobs.values())
      for (const l of j.labels) byLabel[this.labels.get(l)?.name ?? String(l)] = (byLabel[this.labels.get(l)?.name ?? String(l)] ?? 0) + 1;
    return {
      jobs: this.jobs.size,
      launches: this.launches,
      jobsByLabel: byLabel,
      labels: this.labels.size,
      ...this.ringGroups.store.stats(),
      deletedHosts: this.ringGroups.deletedHosts,
    };
  }

  protected renderError(res: Response, status: number, message: string): void {
    res.status(status).json({ detail: message });
  }

  private status(j: Job): { status: string; failed: boolean; finished: string | null } {
    if (j.canceled) return { status: 'canceled', failed: true, finished: new Date(j.created).toISOString() };
    const states = this.engine.states(`awx:${j.id}`);
    const elapsed = Date.now() - j.created;
    if (elapsed < 50) return { status: 'pending', failed: false, finished: null };
    if (states.some((s) => s.state === 'pending')) return { status: 'running', failed: false, finished: null };
    const failed = states.some((s) => s.state === 'failed');
    return { status: failed ? 'failed' : 'successful', failed, finished: new Date().toISOString() };
  }

  private view(j: Job) {
    const s = this.status(j);
    return {
      id: j.id,
      type: 'job',
      url: `/api/v2/jobs/${j.id}/`,
      name: j.name,
      job_template: j.templateId,
      status: s.status,
      failed: s.failed,
      started: new Date(j.created).toISOString(),
      finished: s.finished,
      elapsed: (Date.now() - j.created) / 1000,
      job_explanation: j.canceled ? 'Job was canceled' : '',
      limit: j.limit,
      extra_vars: JSON.stringify(j.extraVars),
      artifacts: {},
      summary_fields: {
        labels: { count: j.labels.length, results: j.labels.map((id) => ({ id, name: this.labels.get(id)?.name ?? '' })) },
      },
    };
  }

  protected routes(app: express.Express): void {
    app.use(express.json());
    app.post('/api/v2/tokens/', (req, res) => {
      const h = req.header('authorization') ?? '';
      const [user, pass] = Buffer.from(h.replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
      if (!h.startsWith('Basic ') || user !== this.username || pass !== this.password)
        return this.renderError(res, 401, 'Invalid username/password.');
      const token = randomBytes(20).toString('hex');
      this.tokens.add(token);
      res.status(201).json({
        id: this.tokens.size,
        type: 'o_auth2_access_token',
        token,
        refresh_token: randomBytes(20).toString('hex'),
        expires: new Date(Date.now() + 10 * 365 * 86_400_000).toISOString(),
        scope: 'write',
      });
    });
    const authed = (req: Request, res: Response, next: NextFunction) => {
      const h = req.header('authorization') ?? '';
      if (!h.startsWith('Bearer ') || !this.tokens.has(h.slice(7)))
        return this.renderError(res, 401, 'Authentication credentials were not provided.');
      next();
    };
    this.ringGroups.register(app, authed);
    registerAwxInventoryRoutes(app, this.inventory, authed);
    const page = <T>(results: T[]) => ({ count: results.length, next: null, previous: null, results });

    app.get('/api/v2/job_templates/', authed, (req, res) => {
      const name = typeof req.query.name === 'string' ? req.query.name : undefined;
      res.json(
        page(
          this.templates
            .filter((t) => !name || t.name === name)
            .map((t) => ({ ...t, extra_vars: JSON.stringify(t.extra_vars), type: 'job_template' })),
        ),
      );
    });
    app.get('/api/v2/job_templates/:id/launch/', authed, (req, res) => {
      const t = this.templates.find((x) => x.id === Number(req.params.id));
      if (!t) return this.renderError(res, 404, 'Not found.');
      res.json({
        can_start_without_user_input: true,
        variables_needed_to_start: [],
        ask_variables_on_launch: t.ask_variables_on_launch,
        ask_limit_on_launch: t.ask_limit_on_launch,
        ask_labels_on_launch: t.ask_labels_on_launch,
        ask_inventory_on_launch: t.ask_inventory_on_launch,
        ask_tags_on_launch: t.ask_tags_on_launch,
        defaults: { extra_vars: JSON.stringify(t.extra_vars), limit: t.limit, labels: [], inventory: { id: t.inventory } },
        job_template_data: { id: t.id, name: t.name },
      });
    });
    app.get('/api/v2/labels/', authed, (req, res) => {
      const name = typeof req.query.name === 'string' ? req.query.name : undefined;
      const org = typeof req.query.organization === 'string' ? Number(req.query.organization) : undefined;
      res.json(
        page(
          [...this.labels.values()].filter((l) => (name === undefined || l.name === name) && (org === undefined || l.organization === org)),
        ),
      );
    });
    app.post('/api/v2/labels/', authed, (req, res) => {
      const b = (req.body ?? {}) as { name?: unknown; organization?: unknown };
      const errors: Record<string, string[]> = {};
      if (typeof b.name !== 'string' || !b.name) errors.name = ['This field is required.'];
      if (typeof b.organization !== 'number' || b.organization !== this.organization)
        errors.organization = [
          b.organization === undefined ? 'This field is required.' : `Invalid pk "${String(b.organization)}" - object does not exist.`,
        ];
      if (Object.keys(errors).length) return void res.status(400).json(errors);
      if ([...this.labels.values()].some((l) => l.name === b.name && l.organization === b.organization)) {
        return void res.status(400).json({ __all__: ['Label with this Name and Organization already exists.'] });
      }
      const l: Label = { id: this.nextLabel++, name: b.name as string, organization: b.organization as number };
      this.labels.set(l.id, l);
      res.status(201).json({ ...l, type: 'label', url: `/api/v2/labels/${l.id}/` });
    });
    app.post('/api/v2/job_templates/:id/launch/', authed, (req, res) => {
      const t = this.templates.find((x) => x.id === Number(req.params.id));
      if (!t) return this.renderError(res, 404, 'Not found.');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const ignored: Record<string, unknown> = {};
      const accepted: Record<string, unknown> = {};
      for (const [field, flag] of PROMPTS) {
        if (body[field] === undefined) continue;
        if (t[flag]) accepted[field] = body[field];
        else ignored[field] = body[field];
      }
      let labels: number[] = [];
      if (accepted.labels !== undefined) {
        const given = accepted.labels;
        if (!Array.isArray(given))
          return void res.status(400).json({ labels: [`Expected a list of items but got type "${typeof given}".`] });
        for (const l of given) {
          if (typeof l !== 'number' || !Number.isInteger(l))
            return void res
              .status(400)
              .json({ labels: [`Incorrect type. Expected pk value, received ${typeof l === 'string' ? 'str' : typeof l}.`] });
          if (!this.labels.has(l)) return void res.status(400).json({ labels: [`Invalid pk "${l}" - object does not exist.`] });
        }
        labels = given as number[];
      }
      const id = this.nextJob++;
      this.launches++;
      const extraVars = { ...t.extra_vars, ...((accepted.extra_vars as Record<string, unknown> | undefined) ?? {}) };
      const limit = typeof accepted.limit === 'string' ? accepted.limit : t.limit;
      const job: Job = { id, templateId: t.id, name: t.name, limit, extraVars, labels, created: Date.now(), canceled: false };
      this.jobs.set(id, job);
      const pkg = String(job.extraVars.package_name ?? '');
      // An empty limit is the whole inventory: every host.
      // A ring group as limit runs on exactly its hosts at launch time.
      const devices = job.limit
        ? (this.ringGroups.fleetMembers(job.limit) ?? this.engine.members(job.limit))
        : [...this.engine.deviceNames.keys()];
      if (t.name === 'eucora-rollback') {
        const target = [...this.jobs.values()].find((j) => j.id === Number(job.extraVars.deploy_job_id));
        if (target) this.engine.remove(`awx:${target.id}`);
        this.engine.install(`awx:${id}`, '', devices);
      } else this.engine.install(`awx:${id}`, pkg, devices);
      res
        .status(201)
        .location(`/api/v2/jobs/${id}/`)
        .json({ job: id, ignored_fields: ignored, ...this.view(job) });
    });
    app.get('/api/v2/jobs/', authed, (req, res) => {
      if (Object.keys(req.query).some((k) => k.startsWith('extra_vars')))
        return this.renderError(res, 400, 'Filtering on extra_vars is not allowed.');
      const label = typeof req.query.labels__name === 'string' ? req.query.labels__name : undefined;
      const named = (j: Job) => j.labels.some((l) => this.labels.get(l)?.name === label);
      const jobs = [...this.jobs.values()]
        .filter((j) => !label || named(j))
        .sort((a, b) => (req.query.order_by === '-id' ? b.id - a.id : a.id - b.id));
      res.json(page(jobs.map((j) => this.view(j))));
    });
    app.get('/api/v2/jobs/:id/', authed, (req, res) => {
      const j = this.jobs.get(Number(req.params.id));
      if (!j) return this.renderError(res, 404, 'Not found.');
      res.json(this.view(j));
    });
    app.get('/api/v2/jobs/:id/job_host_summaries/', authed, (req, res) => {
      const j = this.jobs.get(Number(req.params.id));
      if (!j) return this.renderError(res, 404, 'Not found.');
      // Summaries exist once the play has finished, as in AWX.
      const size = intParam(req, 'page_size', 25);
      const num = intParam(req, 'page', 1);
      if (Number.isNaN(size) || Number.isNaN(num) || num < 1) return this.renderError(res, 400, 'Invalid page.');
      if (ACTIVE.has(this.status(j).status)) return void res.json(page([]));
      // AWX caps page_size at 200 and pages with page/next links; an out-of-range page is a 404 as in DRF.
      const per = Math.min(Math.max(size, 1), 200);
      const paged = <T>(all: T[]) => {
        if (num > 1 && (num - 1) * per >= all.length) return void this.renderError(res, 404, 'Invalid page.');
        const more = num * per < all.length;
        res.json({
          count: all.length,
          next: more ? selfLink(req, { page: num + 1 }) : null,
          previous: num > 1 ? selfLink(req, { page: num - 1 }) : null,
          results: all.slice((num - 1) * per, num * per),
        });
      };
      paged(
        this.engine.states(`awx:${j.id}`).map((s) => {
          // Every third failing host is unreachable (dark) rather than failing a task, as both happen on real fleets.
          const dark = s.state === 'failed' && this.engine.index(s.deviceId) % 3 === 0;
          return {
            host: awxHostId({ index: this.engine.index(s.deviceId) }),
            host_name: this.engine.deviceNames.get(s.deviceId) ?? s.deviceId,
            ok: s.state === 'succeeded' || s.state === 'removed' ? 1 : 0,
            changed: s.state === 'succeeded' ? 1 : 0,
            failures: s.state === 'failed' && !dark ? 1 : 0,
            dark: dark ? 1 : 0,
            skipped: 0,
            failed: s.state === 'failed',
          };
        }),
      );
    });
    app.post('/api/v2/jobs/:id/cancel/', authed, (req, res) => {
      const j = this.jobs.get(Number(req.params.id));
      if (!j) return this.renderError(res, 404, 'Not found.');
      if (!ACTIVE.has(this.status(j).status)) return this.renderError(res, 405, 'Method "POST" not allowed.');
      j.canceled = true;
      res.status(202).end();
    });
  }
}
