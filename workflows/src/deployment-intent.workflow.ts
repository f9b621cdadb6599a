import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import {
  cancelSignal,
  intentStateQuery,
  rollbackSignal,
  type DeploymentIntentInput,
  type IntentLiveState,
  type RingLiveState,
} from './intent.messages';
import { acts, artifactActs } from './intent-workflow/activities';
import { cabGate, registerCabDecisions } from './intent-workflow/cab';
import { runRing } from './intent-workflow/ring';
import { IntentRun } from './intent-workflow/run';

/**
 * The DeploymentIntent workflow: assess (risk + policy) → evidence pack → CAB gate where policy demands it → ring by ring
 * (blackout windows, deploy, poll with backoff, promote after soak, skip empty rings, halt and roll back on failures) →
 * completed or rolled back. Cancel and manual rollback by signal; signed CAB decisions by update; live state by query.
 */
export async function deploymentIntentWorkflow(input: DeploymentIntentInput): Promise<IntentLiveState> {
  const live = await lifecycle(input);
  // A decision still in its handler (e.g. verifying while the intent was cancelled) finishes before the run closes, so its
  // caller gets an answer instead of an abandoned update. Versioned: older runs closed without waiting.
  if (patched('await-handlers-v1')) await condition(allHandlersFinished);
  return live;
}

async function lifecycle(input: DeploymentIntentInput): Promise<IntentLiveState> {
  // The run's parts live in intent-workflow/: run.ts (state, transitions, evidence, rollback, abort), cab.ts (decisions and
  // the gate), ring.ts (one ring); this function is the order of steps.
  const run = new IntentRun(input);
  const { live, wfId, deployed } = run;
  const now = () => run.now();
  const transition = run.transition.bind(run);

  setHandler(intentStateQuery, () => live);
  setHandler(cancelSignal, (s) => void (run.abort ??= { kind: 'cancel', ...s }));
  setHandler(rollbackSignal, (s) => void (run.abort ??= { kind: 'rollback', ...s }));
  registerCabDecisions(run);

  try {
    await transition({
      to: 'submitted',
      event: { type: 'intent.submitted', data: { action: 'start_workflow', outcome: 'started', workflowId: wfId } },
      actor: input.submittedBy,
      reason: 'Deployment intent accepted and its workflow started',
      step: 'submitted',
    });

    live.state = 'assessing';
    live.step = 'assess';
    // Versioned with patched(): histories recorded before the artifact check replay without it.
    const artifactCheck = patched('artifact-check-v1') ? await artifactActs.checkArtifact(input.tenantId, input.intentId) : null;
    const assessment = await acts.assessIntent(input.tenantId, input.intentId, now(), artifactCheck);
    const { risk, policy } = assessment;
    live.riskScore = risk.score;
    live.decision = policy.decision;
    live.rings = assessment.rings.map((r) => ({ index: r.index, name: r.name, status: 'pending' }) as RingLiveState);
    await transition({
      to: 'assessing',
      event: {
        type: 'intent.assessed',
        data: {
          action: 'assess',
          outcome: policy.decision,
          riskScore: risk.score,
          riskBand: risk.band,
          factors: risk.factors.map((f) => ({ name: f.name, contribution: f.contributionMilli / 1000, reason: f.reason })),
          policy,
        },
      },
      actor: 'system:risk-model',
      reason:
        `Risk ${risk.score} (${risk.band}) by ${risk.modelVersion}; ` +
        `policy ${policy.policyVersion}: ${policy.decision}. ${policy.reasons.join(' ')}`,
      step: 'assessed',
    });

    await run.writePack(assessment);
    await transition({
      event: {
        type: 'evidence.recorded',
        data: { action: 'write_evidence', outcome: 'stored', version: run.packVersion, sha256: run.packHash, packId: run.packId },
      },
      actor: 'system:evidence',
      reason: `Evidence pack v${run.packVersion} stored (sha256 ${run.packHash})`,
      step: `evidence:${run.packVersion}`,
    });

    if (policy.decision === 'deny') {
      await transition({
        to: 'blocked',
        event: { type: 'intent.blocked', data: { action: 'block', outcome: 'blocked', reasons: policy.reasons } },
        actor: 'system:policy',
        reason: `Blocked by policy: ${policy.reasons.join(' ')}`,
        step: 'blocked',
      });
      return live;
    }
    if (run.abort) return await run.finishAbort(run.abort);

    if (assessment.notBefore && Date.parse(assessment.notBefore) > Date.now()) {
      live.step = 'waiting_not_before';
      await condition(run.aborted, Date.parse(assessment.notBefore) - Date.now());
      if (run.abort) return await run.finishAbort(run.abort);
    }

    await transition({
      to: 'rolling_out',
      event: { type: 'intent.rollout_started', data: { action: 'start_rollout', rings: assessment.rings.map((r) => r.name) } },
      actor: 'system:workflow',
      reason: `Rollout through ${assessment.plane} in ${assessment.rings.length} ring(s)`,
      step: 'rollout_started',
    });

    for (const ring of assessment.rings) {
      // CAB gate: policy names the first ring that may not start without approval.
      if (policy.approvalBeforeRing !== null && ring.index === policy.approvalBeforeRing) {
        const ended = await cabGate(run, ring, assessment);
        if (ended) return ended;
      }
      const ended = await runRing(run, ring, assessment);
      if (ended) return ended;
    }

    await run.writePack(assessment);
    await transition({
      to: 'completed',
      event: {
        type: 'intent.completed',
        data: {
          action: 'complete',
          outcome: 'completed',
          evidenceHash: run.packHash,
          postImplementationReview: policy.postImplementationReview,
        },
      },
      actor: 'system:workflow',
      reason: `All ${assessment.rings.length} rings promoted${run.skippedNote()}; final evidence v${run.packVersion}`,
      step: 'final:completed',
    });
    return live;
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
      const reason = err.cause.message;
      if (deployed.length > 0) await run.rollbackDeployed(`permanent error: ${reason}`);
      await transition({
        to: 'failed',
        event: { type: 'intent.failed', data: { action: 'fail', outcome: 'failed', error: err.cause.type } },
        actor: 'system:workflow',
        reason: `Failed: ${reason}`,
        step: 'final:failed',
      });
      return live;
    }
    throw err;
  }
}
