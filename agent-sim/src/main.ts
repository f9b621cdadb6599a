import { IntuneSimulator } from './intune/intune-simulator';

/** Demo mode: the plane simulators on loopback, started by `npm start` unless a real plane URL is configured. */
async function main(): Promise<void> {
  const port = Number(process.env.SIM_INTUNE_PORT ?? 9401);
  const size = Number(process.env.SIM_FLEET_SIZE ?? 10_000);
  const intune = new IntuneSimulator({ size, labSize: 20 });
  intune.config.installDurationMs = Number(process.env.SIM_INSTALL_DURATION_MS ?? 5000);
  const url = await intune.listen(port);
  process.stdout.write(`${JSON.stringify({ level: 'info', service: 'agent-sim', msg: 'agent-sim ready', intune: url, fleet: size, groups: intune.groupSizes() })}\n`);
  const stop = () => void intune.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`agent-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
