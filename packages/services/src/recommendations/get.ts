import {
  diffContainerResources,
  evaluateSafety,
  renderDryRunDiff,
  type ResourceDiffRow,
  type SafetyDecision,
} from "@kubewise/core";
import {
  getUsageHistory,
  getUsageSeries,
  listAuditLog,
  listRecommendationEvents,
  type RecommendationConfidenceFactor,
  type RecommendationEvidence,
  type RecommendationTimeWindow,
  type UsagePoint,
} from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { describeActors } from "../internal/actor-names";
import { parseInput } from "../internal/parse";
import { FORECAST_INPUT_SECONDS, forecastUsage } from "./forecast";
import type { UsageForecast } from "./forecast";
import {
  auditSubject,
  getEffectiveSafetyConfig,
  getRecommendationInScope,
  toRecommendationSummary,
} from "./internal";
import { previewRecommendation, type PatchPreview } from "./preview";
import {
  GetRecommendationInputSchema,
  type GetRecommendationInput,
  type RecommendationSummary,
} from "./schemas";

const MAX_CHART_POINTS = 400;

export type RecommendationDetail = RecommendationSummary & {
  bounds: {
    cpuTargetMillicores: number;
    cpuLowerBoundMillicores: number;
    cpuUpperBoundMillicores: number;
    cpuUncappedTargetMillicores: number;
    memoryTargetBytes: number;
    memoryLowerBoundBytes: number;
    memoryUpperBoundBytes: number;
    memoryUncappedTargetBytes: number;
  };
  timeWindows: RecommendationTimeWindow[];
  /** Why the values are what they are beyond the statistics (sizing rules that fired). */
  reasons: string[];
  /** The confidence's main factors, in words. */
  confidenceFactors: RecommendationConfidenceFactor[];
  /** What it was computed from (window, percentiles, peaks, model, OOMs, anomalies, cost). */
  evidence: RecommendationEvidence;
  usage: { windowSeconds: number; stepSeconds: number; points: UsagePoint[] };
  /** The Kubewise forecaster's next-24 h quantiles for this container. */
  forecast: UsageForecast;
  /** The patch the controller would send, byte for byte, or why Kubewise cannot apply it. */
  preview: PatchPreview;
  diff: ResourceDiffRow[];
  diffText: string;
  safety: SafetyDecision;
  events: {
    fromPhase: string | null;
    toPhase: string;
    actor: string;
    actorName: string;
    reason: string | null;
    at: Date;
  }[];
  auditTrail: {
    id: number;
    ts: Date;
    actor: string;
    actorName: string;
    action: string;
    payload: unknown;
    hash: string;
  }[];
};

export async function getRecommendation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetRecommendationInput;
}): Promise<RecommendationDetail> {
  authorize(ctx, "getRecommendation");
  const { id, usageWindowSeconds } = parseInput(
    GetRecommendationInputSchema,
    input,
  );
  const found = await getRecommendationInScope(ctx.db, ctx.actor, id);
  const r = found.recommendation;
  const to = ctx.clock.now();
  const stepSeconds = Math.max(
    300,
    Math.ceil(usageWindowSeconds / MAX_CHART_POINTS / 300) * 300,
  );
  const [points, forecastInput, events, audit, config, planned] =
    await Promise.all([
      getUsageSeries(ctx.db, {
        containerId: r.containerId,
        from: new Date(to.getTime() - usageWindowSeconds * 1000),
        to,
        stepSeconds,
      }),
      getUsageHistory(ctx.db, {
        containerId: r.containerId,
        from: new Date(to.getTime() - FORECAST_INPUT_SECONDS * 1000),
        to,
      }),
      listRecommendationEvents(ctx.db, id),
      listAuditLog(ctx.db, {
        subject: auditSubject(id),
        limit: 200,
        offset: 0,
      }),
      getEffectiveSafetyConfig(
        ctx.db,
        found.workload.clusterId,
        found.workload.namespace,
      ),
      previewRecommendation(ctx.db, found),
    ]);
  const { workload, changes, preview } = planned;
  const nameOf = await describeActors(ctx.db, [
    ...events.map((e) => e.actor),
    ...audit.map((a) => a.actor),
  ]);
  return {
    ...toRecommendationSummary(found),
    bounds: {
      cpuTargetMillicores: r.cpuTargetMillicores,
      cpuLowerBoundMillicores: r.cpuLowerBoundMillicores,
      cpuUpperBoundMillicores: r.cpuUpperBoundMillicores,
      cpuUncappedTargetMillicores: r.cpuUncappedTargetMillicores,
      memoryTargetBytes: r.memoryTargetBytes,
      memoryLowerBoundBytes: r.memoryLowerBoundBytes,
      memoryUpperBoundBytes: r.memoryUpperBoundBytes,
      memoryUncappedTargetBytes: r.memoryUncappedTargetBytes,
    },
    timeWindows: r.timeWindows,
    reasons: r.reasons,
    confidenceFactors: r.confidenceFactors,
    evidence: r.evidence,
    usage: { windowSeconds: usageWindowSeconds, stepSeconds, points },
    forecast: forecastUsage({ history: forecastInput, now: to }),
    preview,
    diff: diffContainerResources(changes),
    diffText: renderDryRunDiff(workload, changes),
    safety: evaluateSafety({
      config,
      phase: r.phase,
      confidence: r.confidence,
    }),
    events: events.map((e) => ({
      fromPhase: e.fromPhase,
      toPhase: e.toPhase,
      actor: e.actor,
      actorName: nameOf(e.actor),
      reason: e.reason,
      at: e.createdAt,
    })),
    auditTrail: audit.map((a) => ({
      id: a.id,
      ts: a.ts,
      actor: a.actor,
      actorName: nameOf(a.actor),
      action: a.action,
      payload: a.payload,
      hash: a.hash,
    })),
  };
}
