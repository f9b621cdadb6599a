import type express from 'express';
import type { RequestHandler } from 'express';
import { graphError } from '../graph-http';
import { intuneIds } from '../intune-inventory-routes';
import type { IntuneState } from '../intune-state';

/** Most rows getDeviceInstallStatusReport returns per call (simulated cap). */
export const REPORT_PAGE_CAP = 1000;
const NOT_DETECTED = 'The application was not detected after installation completed successfully.';

const STATES = {
  pending: ['pending', 'Pending'],
  succeeded: ['installed', 'Installed'],
  failed: ['failed', 'Failed'],
  removed: ['notInstalled', 'Not installed'],
} as const;

const COLUMNS = [
  'DeviceName',
  'UserPrincipalName',
  'Platform',
  'AppVersion',
  'DeviceId',
  'LastModifiedDateTime',
  'AppInstallState',
  'AppInstallState_loc',
  'AppInstallStateDetails',
  'HexErrorCode',
];

/**
 * Per-device install states of an app (contracts §1 "Per device", shape unverified): Schema + Values rows, filtered by
 * ApplicationId, paged by skip/top. (managedDevices and the directory are in intune-inventory-routes.ts.)
 */
export function registerDeviceReportRoutes(app: express.Express, state: IntuneState, authed: RequestHandler): void {
  app.post('/beta/deviceManagement/reports/getDeviceInstallStatusReport', authed, (req, res) => {
    const b = (req.body ?? {}) as { filter?: unknown; skip?: unknown; top?: unknown; select?: unknown };
    const m = typeof b.filter === 'string' ? /^\(ApplicationId eq '([^']+)'\)$/.exec(b.filter) : null;
    if (!m) return graphError(res, 400, 'BadRequest', "filter must be (ApplicationId eq '<id>')");
    const a = state.apps.get(m[1]!);
    const rows: unknown[][] = [];
    for (const key of a?.installKeys ?? []) {
      for (const d of state.engine.states(key)) {
        const [st, loc] = STATES[d.state];
        // DeviceId is the managedDevice id the inventory reports; 0x87D1041C = "the application was not detected after install".
        rows.push([
          state.engine.deviceNames.get(d.deviceId) ?? d.deviceId,
          '',
          'Windows',
          '',
          intuneIds(d.deviceId).managedDeviceId,
          new Date().toISOString(),
          st,
          loc,
          d.state === 'failed' ? NOT_DETECTED : '',
          d.state === 'failed' ? '0x87D1041C' : '0x0',
        ]);
      }
    }
    rows.sort((x, y) => String(x[0]).localeCompare(String(y[0])) || String(x[4]).localeCompare(String(y[4])));
    const bad = (v: unknown) => v !== undefined && !(Number.isInteger(v) && (v as number) >= 0);
    if (bad(b.skip) || bad(b.top)) return graphError(res, 400, 'BadRequest', 'skip and top must be non-negative integers');
    const skip = (b.skip as number | undefined) ?? 0;
    // Reports answer at most REPORT_PAGE_CAP rows per call whatever `top` asks: readers must page on TotalRowCount.
    const top = Math.min((b.top as number | undefined) ?? 50, REPORT_PAGE_CAP);
    res.json({
      TotalRowCount: rows.length,
      Schema: COLUMNS.map((c) => ({ Column: c, PropertyType: c === 'LastModifiedDateTime' ? 'DateTime' : 'String' })),
      Values: rows.slice(skip, skip + top),
    });
  });
}
