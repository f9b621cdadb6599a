import type express from 'express';
import type { RequestHandler } from 'express';
import { findApp, graphError } from '../graph-http';
import type { EntraRingGroups } from '../intune-ring-groups';
import type { Assignment, IntuneState, SimApp } from '../intune-state';

const INTENTS = ['required', 'available', 'uninstall', 'availableWithoutEnrollment'];

/** Newly required groups start installs, newly uninstall ones remove them; then the list replaces the old one. */
function applyAssignments(state: IntuneState, ringGroups: EntraRingGroups, app: SimApp, next: Assignment[]): void {
  const before = new Map(app.assignments.map((a) => [a.target.groupId, a.intent]));
  const name = String(app.body.displayName ?? '');
  for (const a of next) {
    const prev = before.get(a.target.groupId);
    const key = `${app.id}:${a.target.groupId}`;
    if (a.intent === 'required' && prev !== 'required') {
      state.counts.requiredAssignmentAdds[key] = (state.counts.requiredAssignmentAdds[key] ?? 0) + 1;
      // A ring group installs on exactly its members at assignment time; a fleet group on its fleet members.
      const devices = ringGroups.fleetMembers(a.target.groupId) ?? state.engine.members(state.groupName(a.target.groupId) ?? '');
      state.engine.install(key, name, devices);
      app.installKeys.add(key);
    }
    if (a.intent === 'uninstall' && prev !== 'uninstall') {
      state.counts.uninstallAssignments++;
      state.engine.remove(key);
    }
  }
  app.assignments = next;
}

/** Members added to a ring group later get every app required on it (Intune re-evaluates group membership). */
export function installOnNewMembers(state: IntuneState, groupId: string, fleetIds: string[]): void {
  for (const app of state.apps.values()) {
    if (!app.assignments.some((a) => a.target.groupId === groupId && a.intent === 'required')) continue;
    state.engine.install(`${app.id}:${groupId}`, String(app.body.displayName ?? ''), fleetIds);
  }
}

function summary(state: IntuneState, app: SimApp) {
  const c = {
    installedDeviceCount: 0,
    failedDeviceCount: 0,
    notApplicableDeviceCount: 0,
    notInstalledDeviceCount: 0,
    pendingInstallDeviceCount: 0,
  };
  for (const key of app.installKeys) {
    for (const d of state.engine.states(key)) {
      if (d.state === 'pending') c.pendingInstallDeviceCount++;
      else if (d.state === 'succeeded') c.installedDeviceCount++;
      else if (d.state === 'failed') c.failedDeviceCount++;
      else c.notInstalledDeviceCount++;
    }
  }
  return {
    '@odata.context': `https://graph.microsoft.com/beta/$metadata#deviceAppManagement/mobileApps('${app.id}')/installSummary/$entity`,
    '@odata.type': '#microsoft.graph.mobileAppInstallSummary',
    id: app.id,
    ...c,
    installedUserCount: 0,
    failedUserCount: 0,
    notApplicableUserCount: 0,
    notInstalledUserCount: 0,
    pendingInstallUserCount: 0,
  };
}

/** `GET …/assignments`, Graph's replace-all `POST …/assign` (refused until published) and `GET …/installSummary` under `base`. */
export function registerAssignmentRoutes(
  app: express.Express,
  state: IntuneState,
  ringGroups: EntraRingGroups,
  authed: RequestHandler,
  base: string,
): void {
  app.get(`${base}/mobileApps/:id/assignments`, authed, (req, res) => {
    const a = findApp(state, req, res);
    if (a) res.json({ value: a.assignments });
  });
  app.post(`${base}/mobileApps/:id/assign`, authed, (req, res) => {
    const a = findApp(state, req, res);
    if (!a) return;
    // Graph refuses to assign an app without published content (issue 9; contracts §1 step 7 before "Assign").
    if (a.publishingState !== 'published') {
      return graphError(res, 400, 'BadRequest', 'The app cannot be assigned unless the app is published');
    }
    const list = (req.body as { mobileAppAssignments?: unknown }).mobileAppAssignments;
    if (!Array.isArray(list)) return graphError(res, 400, 'BadRequest', 'mobileAppAssignments is required');
    const next: Assignment[] = [];
    for (const raw of list as Record<string, unknown>[]) {
      const target = raw.target as { groupId?: string; '@odata.type'?: string } | undefined;
      const intent = raw.intent as Assignment['intent'];
      if (!target?.groupId || !INTENTS.includes(intent)) {
        return graphError(res, 400, 'BadRequest', 'Each assignment needs intent and target.groupId');
      }
      next.push({
        id: `${a.id}_${target.groupId}`,
        intent,
        target: { '@odata.type': target['@odata.type'] ?? '#microsoft.graph.groupAssignmentTarget', groupId: target.groupId },
        settings: raw.settings ?? null,
      });
    }
    // Replace-all: whatever is not in the new list is removed.
    applyAssignments(state, ringGroups, a, next);
    res.status(204).end();
  });
  app.get(`${base}/mobileApps/:id/installSummary`, authed, (req, res) => {
    const a = findApp(state, req, res);
    if (a) res.json(summary(state, a));
  });
}
