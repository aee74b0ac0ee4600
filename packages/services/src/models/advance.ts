import {
  getLatestRound,
  getModelWithStatus,
  getOpenRound,
  listAgentModels,
  listRoundEvaluations,
  listRoundUpdates,
  type FlRoundRow,
  type ModelVersionRow,
} from "@kubewise/db";
import { fromFloat32Bytes } from "@kubewise/ml";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { withTransaction } from "../internal/transaction";
import { closeEvaluationRound } from "./close-evaluation";
import { closeTrainingRound } from "./close-training";
import { metricsOf } from "./internal";
import {
  isTrainingDue,
  listEligibleAgents,
  openEvaluationRound,
  openTrainingRound,
} from "./open-rounds";
import type { FederationSettings } from "./settings";

export type FederationStep =
  | { action: "none"; reason: string }
  | { action: "waiting"; roundId: number; answered: number; selected: number }
  | { action: "closed"; roundId: number; kind: string; result: string }
  | { action: "opened"; roundId: number; kind: string; purpose: string };

async function answeredCount(
  ctx: ServiceContext,
  round: FlRoundRow,
): Promise<number> {
  const rows =
    round.kind === "train"
      ? await listRoundUpdates(ctx.db, round.id)
      : await listRoundEvaluations(ctx.db, round.id);
  return rows.length;
}

async function closeOpenRound(
  ctx: ServiceContext,
  round: FlRoundRow,
  settings: FederationSettings,
): Promise<FederationStep> {
  if (round.kind === "evaluate") {
    const agents = await listEligibleAgents(ctx, settings);
    const result = await closeEvaluationRound(ctx, { round, settings, agents });
    return { action: "closed", roundId: round.id, kind: round.kind, result };
  }
  const closed = await closeTrainingRound(ctx, { round, settings });
  if (closed.status === "abandoned")
    return {
      action: "closed",
      roundId: round.id,
      kind: "train",
      result: `abandoned: ${closed.reason}`,
    };
  const agents = await listEligibleAgents(ctx, settings);
  const active = await getModelWithStatus(ctx.db, "active");
  if (!active)
    return {
      action: "closed",
      roundId: round.id,
      kind: "train",
      result: "candidate made, no active model",
    };
  // The gate's evaluation starts in the same transaction: a candidate never waits without one.
  const gate = await openEvaluationRound(ctx, {
    settings,
    purpose: "gate",
    candidateVersion: closed.candidate.version,
    baselineVersion: active.version,
    agents: agents.slice(0, settings.maxClients),
    minClients: settings.gate.minAgents,
  });
  return {
    action: "closed",
    roundId: round.id,
    kind: "train",
    result: `candidate ${closed.candidate.version}, gate round ${gate.id} opened`,
  };
}

/** The next evaluation or training round when none is open (canary end, post-promotion check, schedule). */
async function openNextRound(
  ctx: ServiceContext,
  settings: FederationSettings,
  state: { canary: ModelVersionRow | undefined; active: ModelVersionRow },
): Promise<FederationStep> {
  const now = ctx.clock.now().getTime();
  const { canary, active } = state;
  const opened = (round: FlRoundRow): FederationStep => ({
    action: "opened",
    roundId: round.id,
    kind: round.kind,
    purpose: round.purpose,
  });
  const canaryInfo = canary && metricsOf(canary).canary;
  if (canary && canaryInfo) {
    if (now < Date.parse(canaryInfo.startedAt) + settings.canaryDurationMs)
      return { action: "none", reason: `canary ${canary.version} running` };
    const fresh = new Set(
      (
        await listAgentModels(ctx.db, {
          since: new Date(now - settings.agentFreshMs),
        })
      ).map((a) => a.agentId),
    );
    const agents = canaryInfo.agents.filter((a) => fresh.has(a));
    return opened(
      await openEvaluationRound(ctx, {
        settings,
        purpose: "canary",
        candidateVersion: canary.version,
        baselineVersion: active.version,
        agents,
        minClients: 1,
      }),
    );
  }
  const watch = metricsOf(active).watch;
  if (
    watch &&
    !watch.done &&
    now >= Date.parse(watch.activatedAt) + settings.watchDurationMs
  ) {
    const agents = await listEligibleAgents(ctx, settings);
    return opened(
      await openEvaluationRound(ctx, {
        settings,
        purpose: "watch",
        candidateVersion: active.version,
        baselineVersion: watch.previousVersion,
        agents: agents.slice(0, settings.maxClients),
        minClients: settings.gate.minAgents,
      }),
    );
  }
  const lastTraining = await getLatestRound(ctx.db, { kind: "train" });
  const due = isTrainingDue(settings, {
    now: ctx.clock.now(),
    lastTrainingOpenedAt: lastTraining?.openedAt,
    activeSince: active.createdAt,
  });
  if (!due) return { action: "none", reason: "no round due" };
  const round = await openTrainingRound(ctx, {
    settings,
    active,
    parameterCount: fromFloat32Bytes(active.parameters).length,
  });
  return round
    ? opened(round)
    : { action: "none", reason: "training due, too few eligible agents" };
}

/**
 * One step of the leader's federation loop, in one transaction: close the open round when every
 * selected agent answered or its deadline passed, else open the next round that is due. A restarted
 * leader resumes from the database: an open round is simply closed at its deadline.
 */
export async function advanceFederation({
  ctx,
  settings,
}: {
  ctx: ServiceContext;
  settings: FederationSettings;
}): Promise<{ step: FederationStep; activeVersion: number | undefined }> {
  authorize(ctx, "advanceFederation");
  const step = await withTransaction(
    ctx,
    async (tx): Promise<FederationStep> => {
      const open = await getOpenRound(tx.db);
      if (open) {
        const answered = await answeredCount(tx, open);
        const complete = answered >= open.selectedAgents.length;
        if (!complete && tx.clock.now() < open.deadlineAt)
          return {
            action: "waiting",
            roundId: open.id,
            answered,
            selected: open.selectedAgents.length,
          };
        return closeOpenRound(tx, open, settings);
      }
      const active = await getModelWithStatus(tx.db, "active");
      if (!active)
        return { action: "none", reason: "no active model in the registry" };
      return openNextRound(tx, settings, {
        canary: await getModelWithStatus(tx.db, "canary"),
        active,
      });
    },
  );
  if (step.action !== "none" && step.action !== "waiting")
    ctx.logger.info(step, "federation step");
  const active = await getModelWithStatus(ctx.db, "active");
  return { step, activeVersion: active?.version };
}
