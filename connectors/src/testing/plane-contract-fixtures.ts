import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ringContent } from './ring-planes';
import { AwxSimulator, JamfSimulator, LandscapeSimulator, SccmSimulator, type SimServer } from '@eucora/agent-sim';
import {
  AwxConnector,
  JamfConnector,
  jamfNames,
  LandscapeConnector,
  landscapeTitles,
  SccmConnector,
  sccmAppName,
  ResilientCaller,
  type DeployRingRequest,
  type PlaneConnector,
} from '../index';

/** One plane under contract test: its simulator and how to build its connector against it. */
export interface PlaneCase {
  plane: string;
  sim: () => SimServer;
  connector: (url: string, sim: SimServer, caller: ResilientCaller) => PlaneConnector;
  /** Object count on the simulator for this intent (apps, policies, deployments, jobs…), to prove idempotency. */
  objects: (sim: SimServer, req: DeployRingRequest) => number;
  /** The same connector with a wrong secret. */
  wrong: (url: string, sim: SimServer, caller: ResilientCaller) => PlaneConnector;
  /** Plane-specific checks after the rollback (what the rollback left on the plane). */
  afterRollback?: (sim: SimServer, req: DeployRingRequest) => void;
}

/** The four non-Intune planes with their simulators, connectors and idempotency/rollback probes. */
export const CASES: PlaneCase[] = [
  {
    plane: 'awx',
    sim: () => new AwxSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) =>
      new AwxConnector({ baseUrl: url, username: 'eucora', password: (sim as AwxSimulator).password, caller }),
    wrong: (url, _sim, caller) => new AwxConnector({ baseUrl: url, username: 'eucora', password: 'wrong', caller }),
    objects: (sim, req) =>
      (sim.getStats().jobsByLabel as Record<string, number>)[`eucora:${req.intentId}:ring${req.ring.index}:deploy`] ?? 0,
    afterRollback: (sim, req) =>
      assert.equal((sim.getStats().jobsByLabel as Record<string, number>)[`eucora:${req.intentId}:ring${req.ring.index}:rollback`], 1),
  },
  {
    plane: 'sccm',
    sim: () => new SccmSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) =>
      new SccmConnector({ baseUrl: url, username: (sim as SccmSimulator).username, password: (sim as SccmSimulator).password, caller }),
    wrong: (url, sim, caller) => new SccmConnector({ baseUrl: url, username: (sim as SccmSimulator).username, password: 'wrong', caller }),
    // One application and one install deployment for this intent (a second of either would count as 2+).
    objects: (sim, req) => {
      const st = sim.getStats() as unknown as { appsByName: Record<string, number>; assignmentsByKey: Record<string, number> };
      const installs = Object.entries(st.assignmentsByKey)
        .filter(([k]) => k.startsWith(`${sccmAppName(req)}|`) && k.endsWith('|1'))
        .reduce((n, [, v]) => n + v, 0);
      return Math.max(st.appsByName[sccmAppName(req)] ?? 0, installs);
    },
    afterRollback: (sim, req) => {
      const keys = (sim.getStats() as unknown as { assignmentsByKey: Record<string, number> }).assignmentsByKey;
      const mine = Object.entries(keys).filter(([k]) => k.startsWith(`${sccmAppName(req)}|`));
      assert.deepEqual(
        mine.map(([k, n]) => [k.split('|')[2], n]),
        [['2', 1]],
        'install deployment deleted, one uninstall deployment',
      );
    },
  },
  {
    plane: 'jamf',
    sim: () => new JamfSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) =>
      new JamfConnector({
        baseUrl: url,
        clientId: (sim as JamfSimulator).clientId,
        clientSecret: (sim as JamfSimulator).clientSecret,
        caller,
      }),
    wrong: (url, sim, caller) =>
      new JamfConnector({ baseUrl: url, clientId: (sim as JamfSimulator).clientId, clientSecret: 'wrong', caller }),
    objects: (sim, req) => {
      const st = sim.getStats() as unknown as { policiesByName: Record<string, number>; packagesByName: Record<string, number> };
      return Math.max(st.policiesByName[jamfNames(req).policy] ?? 0, st.packagesByName[jamfNames(req).packageName] ?? 0);
    },
    // The rollback is a script policy (contracts A2 Uninstall), not the package action Uninstall.
    afterRollback: (sim, req) => assert.equal((sim.getStats().policiesByName as Record<string, number>)[jamfNames(req).uninstall], 1),
  },
  {
    plane: 'landscape',
    sim: () => new LandscapeSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) =>
      new LandscapeConnector({
        baseUrl: url,
        accessKey: (sim as LandscapeSimulator).accessKey,
        secretKey: (sim as LandscapeSimulator).secretKey,
        caller,
      }),
    wrong: (url, sim, caller) =>
      new LandscapeConnector({ baseUrl: url, accessKey: (sim as LandscapeSimulator).accessKey, secretKey: 'wrong', caller }),
    // contracts A4 Execute: summary is `Run script: <title>`
    objects: (sim, req) =>
      (sim.getStats().executionsBySummary as Record<string, number>)[`Run script: ${landscapeTitles(req).install}`] ?? 0,
    afterRollback: (sim, req) =>
      assert.equal((sim.getStats().executionsBySummary as Record<string, number>)[`Run script: ${landscapeTitles(req).uninstall}`], 1),
  },
];

/** A fresh ring-0 deploy request (new intent id) carrying the shared script content. */
export const request = (): DeployRingRequest => {
  const intentId = randomUUID();
  return {
    tenantId: 't',
    intentId,
    correlationId: 'c',
    ring: { index: 0, name: 'ring0-lab', deviceGroup: 'lab' },
    artifact: {
      name: 'ContractPkg',
      version: '1.0',
      publisher: 'Contoso',
      sha256: content.sha256,
      installCommand: 'install.sh',
      uninstallCommand: 'uninstall.sh',
      platform: 'linux',
      format: 'script',
      sizeBytes: content.sizeBytes,
      detectionRule: { type: 'file', value: '/opt/contract/VERSION' },
    },
    content,
  };
};
/** The script bytes every contract request carries. */
export const content = ringContent(Buffer.from('#!/bin/sh\necho contract package\n'.repeat(64)), 'contract-pkg.sh');

/** Resolves after `ms` milliseconds. */
export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
