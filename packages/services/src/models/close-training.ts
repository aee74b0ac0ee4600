import { InternalError } from "@kubewise/core";
import {
  closeRound,
  getModelVersion,
  insertModelVersion,
  listRoundUpdates,
  type FlRoundRow,
  type FlUpdateRow,
  type ModelVersionSummary,
} from "@kubewise/db";
import {
  aggregateDeltas,
  applyServerUpdate,
  fromFloat32Bytes,
  PLAIN_FEDAVG,
  toFloat32Bytes,
  unflattenWeights,
  type AggregationReport,
} from "@kubewise/ml";

import type { ServiceContext } from "../context";
import {
  auditFederation,
  DEFAULT_MODEL_SHAPE,
  metricsOf,
  type StoredPlan,
} from "./internal";
import type { FederationSettings } from "./settings";

function weightedMean(
  rows: readonly FlUpdateRow[],
  value: (r: FlUpdateRow) => number,
): number | null {
  const usable = rows.filter((r) => value(r) >= 0 && r.validationExamples > 0);
  const total = usable.reduce((n, r) => n + r.validationExamples, 0);
  return total > 0
    ? usable.reduce((n, r) => n + value(r) * r.validationExamples, 0) / total
    : null;
}

function trainingMetrics(
  updates: readonly FlUpdateRow[],
  report: AggregationReport,
) {
  const accepted = updates.filter((u) => u.refusal === null);
  const cpu = accepted.map((u) => u.cpuSeconds);
  return {
    selected: updates.length,
    accepted: accepted.length,
    examples: accepted.reduce((n, u) => n + u.exampleCount, 0),
    validationLossBefore: weightedMean(accepted, (u) => u.validationLossBefore),
    validationLossAfter: weightedMean(accepted, (u) => u.validationLossAfter),
    agentCpuSecondsMean:
      cpu.length > 0 ? cpu.reduce((a, v) => a + v, 0) / cpu.length : null,
    agentCpuSecondsMax: cpu.length > 0 ? Math.max(...cpu) : null,
    rule: report.rule,
    refused: report.refused,
    trimmedFraction: report.trimmedFraction,
    weights: report.weights,
    deltaNorm: report.deltaNorm,
  };
}

export type ClosedTraining =
  | { status: "abandoned"; reason: string }
  | { status: "closed"; candidate: ModelVersionSummary };

/**
 * Ends a training round. Below the round's minimum of accepted updates it is abandoned; otherwise
 * the deltas are aggregated (screened again, capped weights, trimmed mean from 5 updates) into a
 * candidate version, created in the same transaction that closes the round: never half-applied.
 */
export async function closeTrainingRound(
  ctx: ServiceContext,
  options: { round: FlRoundRow; settings: FederationSettings },
): Promise<ClosedTraining> {
  const { round, settings } = options;
  const now = ctx.clock.now();
  const updates = await listRoundUpdates(ctx.db, round.id);
  const accepted = updates.filter(
    (u) => u.refusal === null && u.delta !== null,
  );
  const plan = round.plan as StoredPlan;
  const participation = {
    selected: round.selectedAgents.length,
    answered: updates.length,
    accepted: accepted.length,
    missing: round.selectedAgents.filter(
      (a) => !updates.some((u) => u.agentId === a),
    ),
    refusedAtUpload: updates
      .filter((u) => u.refusal !== null)
      .map((u) => ({ agentId: u.agentId, reason: u.refusal })),
  };
  const abandon = async (reason: string): Promise<ClosedTraining> => {
    await closeRound(ctx.db, {
      id: round.id,
      status: "abandoned",
      closedAt: now,
      outcome: { reason, ...participation },
    });
    await auditFederation(ctx, {
      action: "federation.round.abandon",
      subject: `fl_round:${round.id}`,
      payload: { reason, ...participation },
    });
    return { status: "abandoned", reason };
  };
  if (accepted.length < round.minClients)
    return abandon(
      `${accepted.length} accepted updates by the deadline, ${round.minClients} needed`,
    );
  const base = await getModelVersion(ctx.db, round.baseVersion);
  if (!base)
    throw new InternalError(
      `round ${round.id} base version ${round.baseVersion} is missing`,
    );
  const { delta, report } = aggregateDeltas(
    accepted.map((u) => ({
      clientId: u.agentId,
      delta: fromFloat32Bytes(u.delta ?? new Uint8Array()),
      exampleCount: u.exampleCount,
    })),
    {
      ...settings.aggregation,
      parameterCount: plan.parameterCount,
      clipNorm: plan.clipNorm,
      dpNoiseMultiplier: plan.dpNoiseMultiplier,
    },
  );
  if (delta === undefined || report.accepted.length < round.minClients)
    return abandon(
      `${report.accepted.length} updates passed aggregation screening, ${round.minClients} needed`,
    );
  const encode = ctx.ports.encodeModel;
  if (!encode)
    throw new InternalError("federated rounds need the encodeModel port");
  const baseParams = fromFloat32Bytes(base.parameters);
  // The server step bench:federated measures: plain FedAvg (docs/adr/0010).
  const params = Float32Array.from(
    applyServerUpdate(baseParams, delta, PLAIN_FEDAVG, undefined).params,
  );
  const shape = metricsOf(base).shape ?? DEFAULT_MODEL_SHAPE;
  const metrics = { shape, training: trainingMetrics(updates, report) };
  const candidate = await insertModelVersion(ctx.db, {
    parentVersion: base.version,
    roundId: round.id,
    status: "candidate",
    source: "federated",
    parameters: toFloat32Bytes(params),
    onnx: encode(unflattenWeights(params, shape)),
    participants: report.accepted.length,
    metrics,
    statusReason: `aggregated from ${report.accepted.length} agents (${report.rule})`,
    createdAt: now,
    statusChangedAt: now,
  });
  await closeRound(ctx.db, {
    id: round.id,
    status: "closed",
    closedAt: now,
    outcome: { ...participation, aggregation: metrics.training },
    candidateVersion: candidate.version,
  });
  await auditFederation(ctx, {
    action: "federation.round.close",
    subject: `fl_round:${round.id}`,
    payload: { candidateVersion: candidate.version, ...participation },
  });
  await auditFederation(ctx, {
    action: "model.candidate",
    subject: `model:${candidate.version}`,
    payload: {
      parentVersion: base.version,
      roundId: round.id,
      training: metrics.training,
    },
  });
  return { status: "closed", candidate };
}
