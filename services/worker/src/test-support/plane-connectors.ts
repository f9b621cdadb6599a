// Pointing a tenant's non-Intune planes at their simulators, as e2e tests and benches do before any sync or rollout.
import assert from 'node:assert/strict';
import request from 'supertest';
import type { AwxSimulator, FleetInventory, JamfSimulator, LandscapeSimulator, SccmSimulator } from '@eucora/agent-sim';
import type { Harness } from './lifecycle-harness';

/** What the inventory tests and bench read from any plane's simulator. */
export interface PlaneSim {
  inventory: FleetInventory;
  getStats(): { requests: number };
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
}

/** The simulators of the planes a tenant configures through the API (Intune comes from the operator's settings). */
export interface ConfigurablePlaneSims {
  jamf: JamfSimulator;
  sccm: SccmSimulator;
  landscape: LandscapeSimulator;
  awx: AwxSimulator;
}

/** `PUT /connectors/{plane}` bodies that point each plane at its simulator, listening at `urls[plane]`. */
export function connectorBodies(sims: ConfigurablePlaneSims, urls: Record<keyof ConfigurablePlaneSims, string>): Record<string, object> {
  const { jamf, sccm, landscape, awx } = sims;
  return {
    jamf: { baseUrl: urls.jamf, settings: { clientId: jamf.clientId }, credentials: { clientSecret: jamf.clientSecret } },
    sccm: { baseUrl: urls.sccm, settings: { username: sccm.username }, credentials: { password: sccm.password } },
    landscape: { baseUrl: urls.landscape, settings: { accessKey: landscape.accessKey }, credentials: { secretKey: landscape.secretKey } },
    awx: { baseUrl: urls.awx, settings: { username: awx.username }, credentials: { password: awx.password } },
  };
}

/** Configures those planes for the harness tenant through the API, as its admin; any answer but 200 fails the test. */
export async function configurePlanes(
  h: Harness,
  sims: ConfigurablePlaneSims,
  urls: Record<keyof ConfigurablePlaneSims, string>,
): Promise<void> {
  for (const [plane, body] of Object.entries(connectorBodies(sims, urls))) {
    const res = await request(h.api.app)
      .put(`/api/v1/connectors/${plane}`)
      .set('Authorization', `Bearer ${h.tenant.adminToken}`)
      .send(body);
    assert.equal(res.status, 200, `${plane}: ${JSON.stringify(res.body)}`);
  }
}
