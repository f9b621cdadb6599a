import { AwxSimulator } from './awx/awx-simulator';
import { IntuneSimulator } from './intune/intune-simulator';
import { JamfSimulator } from './jamf/jamf-simulator';
import { LandscapeSimulator } from './landscape/landscape-simulator';
import { SccmSimulator } from './sccm/sccm-simulator';

/**
 * Demo mode: the five plane simulators on loopback, started by `npm start`. Intune listens on SIM_INTUNE_PORT (9401);
 * Jamf, SCCM, Landscape and AWX on the next four ports. Each shares the same deterministic fleet.
 */
async function main(): Promise<void> {
  const port = Number(process.env.SIM_INTUNE_PORT ?? 9401);
  const size = Number(process.env.SIM_FLEET_SIZE ?? 10_000);
  const duration = Number(process.env.SIM_INSTALL_DURATION_MS ?? 5000);
  const fleet = { size, labSize: 20 };
  const intune = new IntuneSimulator(fleet);
  intune.engine.config.installDurationMs = duration;
  const others = {
    jamf: new JamfSimulator(fleet),
    sccm: new SccmSimulator(fleet),
    landscape: new LandscapeSimulator(fleet),
    awx: new AwxSimulator(fleet),
  };
  const urls: Record<string, string> = { intune: await intune.listen(port) };
  let p = port;
  for (const [plane, sim] of Object.entries(others)) {
    sim.engine.config.installDurationMs = duration;
    urls[plane] = await sim.listen(++p);
  }
  const ready = { level: 'info', service: 'agent-sim', msg: 'agent-sim ready', planes: urls, fleet: size, groups: intune.groupSizes() };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const stop = () => void Promise.all([intune.close(), ...Object.values(others).map((s) => s.close())]).then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`agent-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
