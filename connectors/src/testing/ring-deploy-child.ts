import { ringConnector, ringContent, ringRequest, type PlaneCreds, type RingPlane } from './ring-planes';
import type { RingMember } from '../index';

/**
 * Child process of the ring-objects crash test: deploys one ring and is killed with SIGKILL by the test mid-converge.
 * Input: argv[2] = JSON {plane, url, creds, intentId, targetKey, members, contentB64, fileName}.
 */
async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as {
    plane: RingPlane;
    url: string;
    creds: PlaneCreds;
    intentId: string;
    targetKey: string;
    members: RingMember[];
    contentB64: string;
    fileName: string;
  };
  const content = ringContent(Buffer.from(a.contentB64, 'base64'), a.fileName);
  await ringConnector(a.plane, a.url, a.creds).deployRing(ringRequest(a.plane, a.intentId, a.targetKey, a.members, content));
  process.stdout.write('deployed\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`ring-deploy-child: ${(err as Error).message}\n`);
  process.exit(1);
});
