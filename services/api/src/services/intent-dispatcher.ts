import type { Logger } from 'pino';
import type { DeploymentIntentRepository } from '@eucora/persistence';
import type { IntentService } from './intent.service';

/** Options of the dispatcher; defaults suit one API instance. */
export interface IntentDispatcherOptions {
  /** How often to look for unstarted intents, ms; default 5000. */
  intervalMs?: number;
  /** Only intents older than this are picked up, so a request still in flight starts its own; ms, default 3000. */
  graceMs?: number;
  /** Intents per sweep; default 100. */
  batchSize?: number;
  /** Most started-and-still-assessing intents per tenant (EUCORA_TENANT_MAX_ASSESSING); a tenant at it waits; default no cap. */
  maxAssessing?: number;
  /** Only these tenants' intents (a dispatcher sharded by tenant); default all tenants. */
  tenantIds?: readonly string[];
}

/**
 * Starts workflows for intents whose start never reached Temporal or was held back because the tenant was at its cap of
 * concurrently assessing intents. Sweeps go round-robin across tenants (each tenant's oldest first) and skip tenants at
 * the cap, so one tenant's backlog cannot delay another's assessment. Starting is idempotent by workflow id, so several
 * API instances may run it at once (the cap is then per sweep, not global).
 */
export class IntentDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly intents: DeploymentIntentRepository,
    private readonly service: IntentService,
    private readonly logger: Logger,
    private readonly opts: IntentDispatcherOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.opts.intervalMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One sweep; returns how many workflows it started. */
  async sweep(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const cap = this.opts.maxAssessing ?? Number.POSITIVE_INFINITY;
      const batch = this.opts.batchSize ?? 100;
      const olderThan = new Date(Date.now() - (this.opts.graceMs ?? 3000));
      const due = await this.intents.findUnstartedRoundRobin(olderThan, Math.min(cap, batch), batch, this.opts.tenantIds);
      const assessing = await this.intents.countAssessing([...new Set(due.map((i) => i.tenantId))]);
      let started = 0;
      for (const intent of due) {
        const n = assessing.get(intent.tenantId) ?? 0;
        if (n >= cap) continue;
        if (await this.service.tryStart(intent)) {
          started++;
          assessing.set(intent.tenantId, n + 1);
        }
      }
      if (started > 0) this.logger.info({ started }, 'dispatcher started pending intent workflows');
      return started;
    } catch (err) {
      this.logger.warn({ err }, 'dispatcher sweep failed');
      return 0;
    } finally {
      this.running = false;
    }
  }
}
