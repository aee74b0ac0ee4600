import { InternalError } from "@kubewise/core";
import {
  closeRound,
  getModelVersion,
  listRoundEvaluations,
  setModelMetrics,
  transitionModelVersion,
  type FlEvaluationRow,
  type FlRoundRow,
  type ModelStatus,
  type ModelVersionRow,
} from "@kubewise/db";
import { decideGate, hasRegressed, type PairedLoss } from "@kubewise/ml";

import type { ServiceContext } from "../context";
import { scoreCentralHoldout } from "./central-holdout";
import {
  auditFederation,
  metricsOf,
  sampleAgents,
  weightsOf,
  type ModelMetrics,
} from "./internal";
import type { EvaluationPurpose } from "./open-rounds";
import type { FederationSettings } from "./settings";

type Evaluation = {
  round: FlRoundRow;
  candidate: ModelVersionRow;
  baseline: ModelVersionRow;
  evaluations: FlEvaluationRow[];
  settings: FederationSettings;
  /** Fresh agents, for the canary subset. */
  agents: string[];
};

/** Per-agent loss sums, weighted by examples capped at twice the median (no agent outvotes the rest). */
function pairsOf(evaluations: readonly FlEvaluationRow[]): PairedLoss[] {
  const counts = evaluations.map((e) => e.exampleCount).sort((a, b) => a - b);
  const mid = Math.floor(counts.length / 2);
  const median =
    counts.length % 2 === 1
      ? (counts[mid] ?? 0)
      : ((counts[mid - 1] ?? 0) + (counts[mid] ?? 0)) / 2;
  return evaluations.map((e) => {
    const weight = Math.min(e.exampleCount, 2 * median);
    return {
      candidate: e.candidateLoss * weight,
      baseline: e.baselineLoss * weight,
    };
  });
}

/** One audited registry transition; throws when the row is no longer in `from` (a concurrent leader). */
async function transition(
  ctx: ServiceContext,
  change: {
    row: ModelVersionRow;
    from: ModelStatus;
    to: ModelStatus;
    reason: string;
    action: string;
    metrics?: ModelMetrics;
  },
): Promise<void> {
  const moved = await transitionModelVersion(ctx.db, {
    version: change.row.version,
    from: change.from,
    to: change.to,
    reason: change.reason,
    at: ctx.clock.now(),
    ...(change.metrics === undefined ? {} : { metrics: change.metrics }),
  });
  if (!moved)
    throw new InternalError(
      `model ${change.row.version} is no longer ${change.from}`,
    );
  await auditFederation(ctx, {
    action: change.action,
    subject: `model:${change.row.version}`,
    payload: { from: change.from, to: change.to, reason: change.reason },
  });
}

async function decideCandidate(
  ctx: ServiceContext,
  e: Evaluation,
): Promise<string> {
  const central = await scoreCentralHoldout(ctx, {
    candidate: weightsOf(e.candidate),
    baseline: weightsOf(e.baseline),
    holdoutHours: e.settings.plan.holdoutHours,
    containers: e.settings.centralHoldoutContainers,
  });
  const verdict = decideGate(
    { federated: pairsOf(e.evaluations), central },
    e.settings.gate,
  );
  const gate = {
    ...verdict,
    agents: e.evaluations.length,
    decidedAt: ctx.clock.now().toISOString(),
  };
  const metrics = metricsOf(e.candidate);
  if (!verdict.pass) {
    await transition(ctx, {
      row: e.candidate,
      from: "candidate",
      to: "retired",
      reason: `gate failed: ${verdict.reasons.join("; ")}`,
      action: "model.reject",
      metrics: { ...metrics, gate },
    });
    return "candidate rejected by the gate";
  }
  const canaryAgents = sampleAgents(e.agents, {
    fraction: e.settings.canaryFraction,
    min: 1,
    salt: `canary:${e.candidate.version}`,
  });
  await transition(ctx, {
    row: e.candidate,
    from: "candidate",
    to: "canary",
    reason: `gate passed (federated ${verdict.federated.upper.toFixed(4)}, central ${verdict.central.upper.toFixed(4)}); canary on ${canaryAgents.length} agents`,
    action: "model.canary",
    metrics: {
      ...metrics,
      gate,
      canary: {
        agents: canaryAgents,
        startedAt: ctx.clock.now().toISOString(),
      },
    },
  });
  return "candidate passed the gate, canary started";
}

async function decideCanary(
  ctx: ServiceContext,
  e: Evaluation,
): Promise<string> {
  const result = hasRegressed(pairsOf(e.evaluations), e.settings.gate);
  const metrics = metricsOf(e.candidate);
  const canary = metrics.canary && {
    ...metrics.canary,
    result: { ...result, agents: e.evaluations.length },
  };
  if (result.regressed) {
    await transition(ctx, {
      row: e.candidate,
      from: "canary",
      to: "retired",
      reason: `rolled back in canary: loss ratio ${result.ratio.toFixed(4)}`,
      action: "model.rollback",
      metrics: { ...metrics, ...(canary && { canary }) },
    });
    return "canary regressed, rolled back";
  }
  await transition(ctx, {
    row: e.baseline,
    from: "active",
    to: "retired",
    reason: `superseded by version ${e.candidate.version}`,
    action: "model.retire",
  });
  await transition(ctx, {
    row: e.candidate,
    from: "canary",
    to: "active",
    reason: `canary held (loss ratio ${result.ratio.toFixed(4)})`,
    action: "model.activate",
    metrics: {
      ...metrics,
      ...(canary && { canary }),
      watch: {
        previousVersion: e.baseline.version,
        activatedAt: ctx.clock.now().toISOString(),
        done: false,
      },
    },
  });
  return "canary promoted to active";
}

async function decideWatch(
  ctx: ServiceContext,
  e: Evaluation,
): Promise<string> {
  const result = hasRegressed(pairsOf(e.evaluations), e.settings.gate);
  const metrics = metricsOf(e.candidate);
  const watch = metrics.watch && {
    ...metrics.watch,
    done: true,
    result: { ...result, agents: e.evaluations.length },
  };
  if (!result.regressed) {
    await recordWatchResult(ctx, e.candidate, {
      ...metrics,
      ...(watch && { watch }),
    });
    return "active model held after promotion";
  }
  await transition(ctx, {
    row: e.candidate,
    from: "active",
    to: "retired",
    reason: `rolled back: loss ratio ${result.ratio.toFixed(4)} against version ${e.baseline.version}`,
    action: "model.rollback",
    metrics: { ...metrics, ...(watch && { watch }) },
  });
  await transition(ctx, {
    row: e.baseline,
    from: "retired",
    to: "active",
    reason: `restored after version ${e.candidate.version} regressed`,
    action: "model.restore",
  });
  return "active model regressed, previous version restored";
}

async function recordWatchResult(
  ctx: ServiceContext,
  row: ModelVersionRow,
  metrics: ModelMetrics,
): Promise<void> {
  await setModelMetrics(ctx.db, { version: row.version, metrics });
}

/** What an abandoned evaluation means: no promotion without a verdict, no rollback without one. */
async function abandonEvaluation(
  ctx: ServiceContext,
  e: Evaluation,
  purpose: EvaluationPurpose,
): Promise<string> {
  const reason = `${e.evaluations.length} of ${e.round.selectedAgents.length} agents evaluated, ${e.round.minClients} needed`;
  await closeRound(ctx.db, {
    id: e.round.id,
    status: "abandoned",
    closedAt: ctx.clock.now(),
    outcome: { reason, purpose },
  });
  await auditFederation(ctx, {
    action: "federation.round.abandon",
    subject: `fl_round:${e.round.id}`,
    payload: { reason, purpose },
  });
  const metrics = metricsOf(e.candidate);
  if (purpose === "gate") {
    await transition(ctx, {
      row: e.candidate,
      from: "candidate",
      to: "retired",
      reason: `not evaluated: ${reason}`,
      action: "model.reject",
    });
    return "gate evaluation abandoned, candidate retired";
  }
  if (purpose === "canary") {
    await transition(ctx, {
      row: e.candidate,
      from: "canary",
      to: "retired",
      reason: `canary not evaluated: ${reason}`,
      action: "model.rollback",
    });
    return "canary evaluation abandoned, canary rolled back";
  }
  const watch = metrics.watch && {
    ...metrics.watch,
    done: true,
    result: { inconclusive: reason },
  };
  await recordWatchResult(ctx, e.candidate, {
    ...metrics,
    ...(watch && { watch }),
  });
  return "post-promotion check abandoned, active model kept";
}

/** Ends an evaluation round and applies its decision to the registry (all in the caller's transaction). */
export async function closeEvaluationRound(
  ctx: ServiceContext,
  options: {
    round: FlRoundRow;
    settings: FederationSettings;
    agents: string[];
  },
): Promise<string> {
  const { round } = options;
  const purpose = round.purpose as EvaluationPurpose;
  const candidate =
    round.candidateVersion === null
      ? undefined
      : await getModelVersion(ctx.db, round.candidateVersion);
  const baseline = await getModelVersion(ctx.db, round.baseVersion);
  if (!candidate || !baseline)
    throw new InternalError(
      `evaluation round ${round.id} names missing versions`,
    );
  const evaluations = await listRoundEvaluations(ctx.db, round.id);
  const e: Evaluation = {
    round,
    candidate,
    baseline,
    evaluations,
    settings: options.settings,
    agents: options.agents,
  };
  if (evaluations.length < round.minClients)
    return abandonEvaluation(ctx, e, purpose);
  const decision =
    purpose === "gate"
      ? await decideCandidate(ctx, e)
      : purpose === "canary"
        ? await decideCanary(ctx, e)
        : await decideWatch(ctx, e);
  await closeRound(ctx.db, {
    id: round.id,
    status: "closed",
    closedAt: ctx.clock.now(),
    outcome: { purpose, decision, answered: evaluations.length },
  });
  await auditFederation(ctx, {
    action: "federation.round.close",
    subject: `fl_round:${round.id}`,
    payload: { purpose, decision },
  });
  return decision;
}
