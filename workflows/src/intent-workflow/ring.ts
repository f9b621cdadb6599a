import { condition, patched } from '@temporalio/workflow';
// Deep import on purpose: the package index also loads Node built-ins, which the workflow sandbox must not see.
import { ringVerdict, successPercent as percentOf } from '@eucora/core/dist/intents/ring-verdict';
import type { Assessment, PlannedRing } from '../intent.activities';
import type { IntentLiveState } from '../intent.messages';
import { planeActs } from './activities';
import { activeBlackout } from './events';
import type { IntentRun } from './run';

/**
 * One ring of the rollout: wait out blackout windows, skip a ring the target snapshot left empty, deploy, poll with backoff
 * until the success threshold has held for the soak time (promote), failures cross it or time runs out (halt: roll back
 * everything), or no device is applicable (skip). Returns the final state when the run ended here, undefined to go on.
 */
export async function runRing(run: IntentRun, ring: PlannedRing, assessment: Assessment): Promise<IntentLiveState | undefined> {
  const { live, timing } = run;
  const rs = live.rings[ring.index]!;
  // Blackout windows stop new rings from starting.
  for (;;) {
    const t = Date.now();
    const w = activeBlackout(assessment.blackoutWindows, t);
    if (!w) break;
    rs.status = 'waiting_blackout';
    await run.transition({
      event: { type: 'ring.waiting_blackout', data: { action: 'wait', until: w.end } },
      actor: 'system:schedule',
      reason: `Ring ${ring.name} waits for the blackout window to end at ${w.end}`,
      step: `ring:${ring.index}:blackout:${w.start}`,
    });
    await condition(run.aborted, Date.parse(w.end) - t);
    if (run.abort) return await run.finishAbort(run.abort);
  }

  // A ring EUCORA gave no device at assessment has nothing to deploy or wait for: skipped at once, with the reason.
  // Only rings with a snapshot carry a count, so histories recorded before it never reach the patch.
  if (ring.deviceCount === 0 && patched('ring-membership-skip-v1')) {
    const zero = { targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 };
    rs.status = 'skipped';
    rs.counts = zero;
    run.testEvidence.push({
      index: ring.index,
      name: ring.name,
      outcome: 'skipped',
      counts: zero,
      successPercent: 0,
      threshold: ring.successThreshold,
      at: run.now(),
    });
    const why = ring.deviceGroup !== ring.name ? `group ${ring.deviceGroup} ∩ targets is empty` : 'its share of the targets is 0 devices';
    await run.transition({
      event: {
        type: 'ring.skipped',
        data: {
          action: 'skip_ring',
          outcome: 'skipped',
          ring: ring.name,
          counts: zero,
          membership: { count: 0, sha256: ring.sha256 ?? null },
        },
      },
      actor: 'system:workflow',
      reason: `Ring ${ring.name} skipped: the target snapshot put no device in it (${why})`,
      step: `ring:${ring.index}:skipped`,
    });
    return undefined;
  }

  rs.status = 'deploying';
  live.step = `ring:${ring.index}:deploy`;
  // The deploy request was fixed at assessment; old assessments lack it and the activity reads it from the intent.
  const { deployRequest } = assessment;
  const baseline = await planeActs.ringBaseline({ ...run.step(ring, 'baseline'), deployRequest });
  const deployment = await planeActs.deployRing({ ...run.step(ring, 'deploy'), deployRequest });
  run.deployed.push({ ring, deployment });
  await run.transition({
    event: {
      type: 'ring.deployed',
      data: {
        action: 'deploy_ring',
        outcome: deployment.adopted ? 'adopted' : 'deployed',
        ring: ring.name,
        objectIds: deployment.objectIds,
      },
    },
    actor: 'system:workflow',
    reason: `Ring ${ring.name} assigned to group ${ring.deviceGroup}${deployment.adopted ? ' (existing assignment adopted)' : ''}`,
    step: `ring:${ring.index}:deployed`,
  });

  rs.status = 'polling';
  let delay = timing.pollInitialMs;
  let heldSince: number | null = null;
  const startedAt = Date.now();
  let verdict: 'promoted' | 'halted' | 'skipped' = 'halted';
  let counts = { targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 };
  let polls = 0;
  for (;;) {
    if (await condition(run.aborted, delay)) break;
    counts = await planeActs.ringStatus({ ...run.step(ring, `status:${polls++}`), deployment, baseline });
    rs.counts = counts;
    const v = ringVerdict(counts, ring.successThreshold);
    if (v === 'failure') break;
    // A ring with no applicable device can never reach its threshold: after a grace period (a plane may report
    // membership late) it is skipped instead of timing out and rolling back every earlier ring. Versioned: older runs
    // kept polling.
    const empty = counts.targeted - counts.notApplicable <= 0 && Date.now() - startedAt >= timing.emptyRingGraceSeconds * 1000;
    if (empty && patched('empty-ring-skip-v1')) {
      verdict = 'skipped';
      break;
    }
    if (v === 'success') {
      heldSince ??= Date.now();
      const soakLeft = ring.soakSeconds * 1000 - (Date.now() - heldSince);
      if (soakLeft <= 0) {
        verdict = 'promoted';
        break;
      }
      rs.status = 'soaking';
      delay = Math.min(soakLeft, timing.pollMaxMs);
      continue;
    }
    heldSince = null;
    rs.status = 'polling';
    if (Date.now() - startedAt > timing.ringTimeoutSeconds * 1000) break;
    delay = Math.min(delay * 2, timing.pollMaxMs);
  }
  if (run.abort) return await run.finishAbort(run.abort);

  const applicable = counts.targeted - counts.notApplicable;
  const successPercent = percentOf(counts);
  run.testEvidence.push({
    index: ring.index,
    name: ring.name,
    outcome: verdict,
    counts,
    successPercent,
    threshold: ring.successThreshold,
    at: run.now(),
  });
  if (verdict === 'skipped') {
    rs.status = 'skipped';
    const why = counts.targeted === 0 ? 'no device is targeted' : `all ${counts.targeted} targeted devices are not applicable`;
    const grace = timing.emptyRingGraceSeconds;
    await run.transition({
      event: { type: 'ring.skipped', data: { action: 'skip_ring', outcome: 'skipped', ring: ring.name, counts, graceSeconds: grace } },
      actor: 'system:workflow',
      reason: `Ring ${ring.name} skipped: ${why} (group ${ring.deviceGroup}) ${grace}s after its deploy`,
      step: `ring:${ring.index}:skipped`,
    });
    return undefined;
  }
  if (verdict === 'halted') {
    rs.status = 'halted';
    await run.transition({
      event: {
        type: 'ring.halted',
        data: { action: 'halt', outcome: 'halted', ring: ring.name, counts, successPercent, threshold: ring.successThreshold },
      },
      actor: 'system:workflow',
      reason:
        `Ring ${ring.name} halted: ${counts.failed} of ${applicable} devices failed ` +
        `(success ${successPercent}% < ${ring.successThreshold}%)`,
      step: `ring:${ring.index}:halted`,
    });
    await run.rollbackDeployed(`ring ${ring.name} failed its success threshold`);
    await run.writePack(assessment);
    await run.transition({
      to: 'rolled_back',
      event: { type: 'intent.rolled_back', data: { action: 'rollback', outcome: 'rolled_back', evidenceHash: run.packHash } },
      actor: 'system:workflow',
      reason: `Rolled back after ring ${ring.name} failed; evidence v${run.packVersion}`,
      step: 'final:rolled_back',
    });
    return live;
  }
  rs.status = 'promoted';
  const held = ring.soakSeconds ? ` held for ${ring.soakSeconds}s` : '';
  await run.transition({
    event: {
      type: 'ring.promoted',
      data: { action: 'promote', outcome: 'promoted', ring: ring.name, counts, successPercent, threshold: ring.successThreshold },
    },
    actor: 'system:workflow',
    reason: `Ring ${ring.name} promoted: ${successPercent}% ≥ ${ring.successThreshold}% of ${applicable} devices${held}`,
    step: `ring:${ring.index}:promoted`,
  });
  return undefined;
}
