import { randomUUID } from 'node:crypto';
import type express from 'express';
import type { RequestHandler } from 'express';
import { B64, displayNameFilter, findApp, graphError } from '../graph-http';
import type { IntuneState, SimApp } from '../intune-state';

const DETECTION_TYPES = ['FileSystemDetection', 'RegistryDetection', 'ProductCodeDetection', 'PowerShellScriptDetection'].map(
  (t) => `#microsoft.graph.win32LobApp${t}`,
);

/** The app as Graph returns it: the create body plus the fields Graph maintains. */
function view(a: SimApp) {
  return {
    ...a.body,
    id: a.id,
    createdDateTime: a.createdDateTime,
    publishingState: a.publishingState,
    committedContentVersion: a.committedContentVersion,
    isAssigned: a.assignments.length > 0,
  };
}

/** win32LobApp list / lookup by displayName, create, get and PATCH (incl. `committedContentVersion` → publish) under `base`. */
export function registerMobileAppRoutes(app: express.Express, state: IntuneState, authed: RequestHandler, base: string): void {
  app.get(`${base}/mobileApps`, authed, (req, res) => {
    const name = displayNameFilter(req.query.$filter);
    const all = [...state.apps.values()].filter((a) => name === null || a.body.displayName === name);
    for (const a of all) state.settle(a);
    res.json({
      '@odata.context': 'https://graph.microsoft.com/beta/$metadata#deviceAppManagement/mobileApps',
      value: all.map((a) => view(a)),
    });
  });

  // contracts §1 step 1: the create body, detection rules of the four Win32 types.
  app.post(`${base}/mobileApps`, authed, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body['@odata.type'] !== '#microsoft.graph.win32LobApp') return graphError(res, 400, 'BadRequest', 'Unsupported @odata.type');
    for (const k of ['displayName', 'publisher', 'fileName', 'setupFilePath', 'installCommandLine', 'uninstallCommandLine']) {
      if (typeof body[k] !== 'string' || !body[k]) return graphError(res, 400, 'BadRequest', `${k} is required`);
    }
    const rules = body.detectionRules;
    if (!Array.isArray(rules) || rules.length === 0) return graphError(res, 400, 'BadRequest', 'At least one detection rule is required');
    for (const r of rules as Record<string, unknown>[]) {
      if (!DETECTION_TYPES.includes(String(r['@odata.type']))) {
        return graphError(res, 400, 'BadRequest', `Unknown detection rule type ${String(r['@odata.type'])}`);
      }
      if (r['@odata.type'] === DETECTION_TYPES[2] && !/^\{[0-9A-Fa-f-]{36}\}$/.test(String(r.productCode))) {
        return graphError(res, 400, 'BadRequest', 'productCode must be a {GUID}');
      }
      if (r['@odata.type'] === DETECTION_TYPES[3] && (typeof r.scriptContent !== 'string' || !B64.test(r.scriptContent))) {
        return graphError(res, 400, 'BadRequest', 'scriptContent must be base64');
      }
    }
    // Graph does not deduplicate: two creates with one displayName make two apps. The connector must look up first.
    const sim: SimApp = {
      id: randomUUID(),
      body,
      assignments: [],
      createdDateTime: new Date().toISOString(),
      contentVersions: new Map(),
      committedContentVersion: null,
      publishingState: 'notPublished',
      publishAt: 0,
      installKeys: new Set(),
    };
    state.apps.set(sim.id, sim);
    state.counts.appsByDisplayName[body.displayName as string] = (state.counts.appsByDisplayName[body.displayName as string] ?? 0) + 1;
    res.status(201).json(view(sim));
  });
  app.get(`${base}/mobileApps/:id`, authed, (req, res) => {
    const a = findApp(state, req, res);
    if (a) res.json(view(a));
  });
  // contracts §1 step 7: committedContentVersion must name a version whose file is committed; then processing → published.
  app.patch(`${base}/mobileApps/:id`, authed, (req, res) => {
    const a = findApp(state, req, res);
    if (!a) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body['@odata.type'] !== '#microsoft.graph.win32LobApp') {
      return graphError(res, 400, 'BadRequest', '@odata.type is required on PATCH of a derived type');
    }
    if (body.committedContentVersion !== undefined) {
      const cv = a.contentVersions.get(String(body.committedContentVersion));
      const files = cv ? [...cv.files.values()] : [];
      for (const f of files) state.settle(a, f);
      if (!cv || files.length === 0 || files.some((f) => !f.isCommitted)) {
        return graphError(res, 400, 'BadRequest', 'The content version has no committed file');
      }
      a.committedContentVersion = cv.id;
      a.publishingState = 'processing';
      a.publishAt = Date.now() + state.content.processingMs;
    }
    for (const k of ['displayName', 'description', 'publisher']) if (typeof body[k] === 'string') a.body[k] = body[k];
    res.status(204).end();
  });
}
