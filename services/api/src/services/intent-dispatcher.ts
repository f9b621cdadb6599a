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
}

/**
 * The safety net for "accepted but not started": starts workflows for intents whose start never reached Temporal.
 * Starting is idempotent by workflow id, so several API instances may run it at once.
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
      const due = await this.intents.findUnstarted(new Date(Date.now() - (this.opts.graceMs ?? 3000)), this.opts.batchSize ?? 100);
      let started = 0;
      for (const intent of due) if (await this.service.tryStart(intent)) started++;
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
