import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { SimServer } from '../shared/sim-server';
import { FleetInventory } from '../shared/fleet-inventory';
import { registerAwxInventoryRoutes } from './awx-inventory-routes';

interface Template {
  id: number;
  name: string;
  ask_variables_on_launch: boolean;
  ask_limit_on_launch: boolean;
  ask_labels_on_launch: boolean;
}

interface Job {
  id: number;
  templateId: number;
  name: string;
  limit: string;
  extraVars: Record<string, unknown>;
  labels: string[];
  created: number;
  canceled: boolean;
}

const ACTIVE = new Set(['new', 'pending', 'waiting', 'running']);

/**
 * Ansible AWX (API v2) simulator, vendor-contracts.md §5: token from Basic auth, job templates by name, launch (never
 * idempotent: every POST is a new job), job status and per-host summaries, cancel (202 when active, 405 when not), and
 * `labels__name` lookups; `extra_vars__icontains` filters are rejected as AWX does.
 */
export class AwxSimulator extends SimServer {
  readonly username = 'eucora';
  readonly password: string;
  private readonly tokens = new Set<string>();
  private readonly templates: Template[] = [
    { id: 7, name: 'eucora-deploy', ask_variables_on_launch: true, ask_limit_on_launch: true, ask_labels_on_launch: true },
    { id: 8, name: 'eucora-rollback', ask_variables_on_launch: true, ask_limit_on_launch: true, ask_labels_on_launch: true },
    { id: 9, name: 'locked-template', ask_variables_on_launch: false, ask_limit_on_launch: false, ask_labels_on_launch: false },
  ];
  private readonly jobs = new Map<number, Job>();
  private nextJob = 100;
  launches = 0;
  /** Linux devices of the fleet as AWX inventory hosts (awx-inventory-routes.ts). */
  readonly inventory = FleetInventory.forPlane('awx', this.fleet);

  constructor(fleet: FleetOptions = {}, password = 'awx-sim-password') {
    super(fleet);
    this.password = password;
  }

  protected counters() {
    const byLabel: Record<string, number> = {};
    for (const j of this.jobs.values()) for (const l of j.labels) byLabel[l] = (byLabel[l] ?? 0) + 1;
    return { jobs: this.jobs.size, launches: this.launches, jobsByLabel: byLabel };
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
      summary_fields: { labels: { count: j.labels.length, results: j.labels.map((name, i) => ({ id: i + 1, name })) } },
    };
  }

  protected routes(app: express.Express): void {
    app.use(express.json());
    app.post('/api/v2/tokens/', (req, res) => {
      const h = req.header('authorization') ?? '';
      const [user, pass] = Buffer.from(h.replace(/^Basic /, ''), 'base64').toString().split(':');
      if (!h.startsWith('Basic ') || user !== this.username || pass !== this.password) return this.renderError(res, 401, 'Invalid username/password.');
      const token = randomBytes(20).toString('hex');
      this.tokens.add(token);
      res.status(201).json({ id: this.tokens.size, type: 'o_auth2_access_token', token, refresh_token: randomBytes(20).toString('hex'), expires: new Date(Date.now() + 10 * 365 * 86_400_000).toISOString(), scope: 'write' });
    });
    const authed = (req: Request, res: Response, next: NextFunction) => {
      const h = req.header('authorization') ?? '';
      if (!h.startsWith('Bearer ') || !this.tokens.has(h.slice(7))) return this.renderError(res, 401, 'Authentication credentials were not provided.');
      next();
    };
    registerAwxInventoryRoutes(app, this.inventory, authed);
    const page = <T>(results: T[]) => ({ count: results.length, next: null, previous: null, results });

    app.get('/api/v2/job_templates/', authed, (req, res) => {
      const name = typeof req.query.name === 'string' ? req.query.name : undefined;
      res.json(page(this.templates.filter((t) => !name || t.name === name)));
    });
    app.get('/api/v2/job_templates/:id/launch/', authed, (req, res) => {
      const t = this.templates.find((x) => x.id === Number(req.params.id));
      if (!t) return this.renderError(res, 404, 'Not found.');
      res.json({ can_start_without_user_input: true, variables_needed_to_start: [], ask_variables_on_launch: t.ask_variables_on_launch, ask_limit_on_launch: t.ask_limit_on_launch, ask_labels_on_launch: t.ask_labels_on_launch });
    });
    app.post('/api/v2/job_templates/:id/launch/', authed, (req, res) => {
      const t = this.templates.find((x) => x.id === Number(req.params.id));
      if (!t) return this.renderError(res, 404, 'Not found.');
      const body = (req.body ?? {}) as { extra_vars?: Record<string, unknown>; limit?: string; labels?: string[] };
      if (body.extra_vars && Object.keys(body.extra_vars).length > 0 && !t.ask_variables_on_launch) {
        return void res.status(400).json({ extra_vars: [`Variables ${Object.keys(body.extra_vars).join(', ')} are not allowed on launch. Check the Prompt on Launch setting on the Job Template to include the extra variables.`] });
      }
      const id = this.nextJob++;
      this.launches++;
      const job: Job = { id, templateId: t.id, name: t.name, limit: body.limit ?? '', extraVars: body.extra_vars ?? {}, labels: body.labels ?? [], created: Date.now(), canceled: false };
      this.jobs.set(id, job);
      const pkg = String(job.extraVars.package_name ?? '');
      const devices = this.engine.members(job.limit);
      if (t.name === 'eucora-rollback') {
        const target = [...this.jobs.values()].find((j) => j.id === Number(job.extraVars.deploy_job_id));
        if (target) this.engine.remove(`awx:${target.id}`);
        this.engine.install(`awx:${id}`, '', devices);
      } else this.engine.install(`awx:${id}`, pkg, devices);
      res.status(201).location(`/api/v2/jobs/${id}/`).json({ job: id, ignored_fields: {}, ...this.view(job) });
    });
    app.get('/api/v2/jobs/', authed, (req, res) => {
      if (Object.keys(req.query).some((k) => k.startsWith('extra_vars'))) return this.renderError(res, 400, 'Filtering on extra_vars is not allowed.');
      const label = typeof req.query.labels__name === 'string' ? req.query.labels__name : undefined;
      res.json(page([...this.jobs.values()].filter((j) => !label || j.labels.includes(label)).map((j) => this.view(j))));
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
      if (ACTIVE.has(this.status(j).status)) return void res.json(page([]));
      res.json(
        page(
          this.engine.states(`awx:${j.id}`).map((s) => ({
            host_name: this.engine.deviceNames.get(s.deviceId) ?? s.deviceId,
            ok: s.state === 'succeeded' || s.state === 'removed' ? 1 : 0,
            changed: s.state === 'succeeded' ? 1 : 0,
            failures: s.state === 'failed' ? 1 : 0,
            dark: 0,
            skipped: 0,
            failed: s.state === 'failed',
          })),
        ),
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
