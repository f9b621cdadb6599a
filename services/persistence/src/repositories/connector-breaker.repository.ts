import type { DataSource } from 'typeorm';

/** State of a circuit breaker as recorded by the workers (one row per tenant and plane). */
export type BreakerStateName = 'closed' | 'open' | 'half_open';

/** Breakers of one plane by state (all tenants). */
export type BreakerCounts = Record<BreakerStateName, number>;

/**
 * `connector_breakers`: the workers record each breaker transition here so the API (health, metrics) can report breakers
 * it does not hold. The only place that reads or writes the table.
 */
export class ConnectorBreakerRepository {
  constructor(private readonly ds: DataSource) {}

  /** Records a transition of the breaker of (tenant, plane); counts it in `transitions`. */
  async record(tenantId: string, plane: string, state: BreakerStateName): Promise<void> {
    await this.ds.query(
      `INSERT INTO connector_breakers (tenant_id, plane, state, changed_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (tenant_id, plane) DO UPDATE SET state = EXCLUDED.state, changed_at = now(),
         transitions = connector_breakers.transitions + 1`,
      [tenantId, plane, state],
    );
  }

  /** Breakers by plane and state, across tenants; planes without a recorded breaker are absent. */
  async countsByPlane(): Promise<Record<string, BreakerCounts>> {
    const rows: { plane: string; state: BreakerStateName; n: number }[] = await this.ds.query(
      `SELECT plane, state, count(*)::int AS n FROM connector_breakers GROUP BY plane, state`,
    );
    const out: Record<string, BreakerCounts> = {};
    for (const r of rows) (out[r.plane] ??= { closed: 0, open: 0, half_open: 0 })[r.state] = r.n;
    return out;
  }

  /** Transitions recorded per plane, across tenants. */
  async transitionsByPlane(): Promise<Record<string, number>> {
    const rows: { plane: string; n: string }[] = await this.ds.query(
      `SELECT plane, sum(transitions)::text AS n FROM connector_breakers GROUP BY plane`,
    );
    return Object.fromEntries(rows.map((r) => [r.plane, Number(r.n)]));
  }
}
