import { parseCronExpression } from "cron-schedule";

import {
  getLatestRound,
  insertRound,
  listAgentModels,
  listRoundUpdates,
  type FlRoundRow,
  type ModelVersionRow,
} from "@kubewise/db";
import { nextClipNorm } from "@kubewise/ml";

import type { ServiceContext } from "../context";
import { auditFederation, sampleAgents, type StoredPlan } from "./internal";
import type { FederationSettings } from "./settings";

/** Healthy agents with enough local training windows, by id. */
export async function listEligibleAgents(
  ctx: ServiceContext,
  settings: FederationSettings,
): Promise<string[]> {
  const now = ctx.clock.now();
  const rows = await listAgentModels(ctx.db, {
    since: new Date(now.getTime() - settings.agentFreshMs),
  });
  return rows
    .filter((r) => r.trainableExamples >= settings.minTrainableExamples)
    .map((r) => r.agentId)
    .sort();
}

/** Due when the schedule fired since the last training round (or since the active model appeared). */
export function isTrainingDue(
  settings: Pick<FederationSettings, "schedule" | "minRoundIntervalMs">,
  state: {
    now: Date;
    lastTrainingOpenedAt: Date | undefined;
    activeSince: Date;
  },
): boolean {
  const since = state.lastTrainingOpenedAt ?? state.activeSince;
  if (
    state.lastTrainingOpenedAt !== undefined &&
    state.now.getTime() - state.lastTrainingOpenedAt.getTime() <
      settings.minRoundIntervalMs
  )
    return false;
  const next = parseCronExpression(settings.schedule).getNextDate(
    new Date(since.getTime() + 1000),
  );
  return next <= state.now;
}

/** Adaptive clipping: the median pre-clip norm of the last closed training round's accepted updates. */
async function clipNormFor(
  ctx: ServiceContext,
  settings: FederationSettings,
): Promise<number> {
  const last = await getLatestRound(ctx.db, { kind: "train" });
  const fallback = settings.plan.initialClipNorm;
  if (last?.status !== "closed")
    return (last?.plan as StoredPlan | undefined)?.clipNorm ?? fallback;
  const updates = await listRoundUpdates(ctx.db, last.id);
  return nextClipNorm(
    updates.filter((u) => u.refusal === null).map((u) => u.preClipNorm),
    { min: 1e-3, max: 100, fallback: (last.plan as StoredPlan).clipNorm },
  );
}

function minParticipation(
  settings: FederationSettings,
  selected: number,
): number {
  return Math.max(
    settings.minClients,
    Math.ceil(settings.minClientFraction * selected),
  );
}

/** Opens a training round from the active model, or returns undefined when too few agents qualify. */
export async function openTrainingRound(
  ctx: ServiceContext,
  options: {
    settings: FederationSettings;
    active: ModelVersionRow;
    parameterCount: number;
  },
): Promise<FlRoundRow | undefined> {
  const { settings, active } = options;
  const now = ctx.clock.now();
  const eligible = await listEligibleAgents(ctx, settings);
  if (eligible.length < settings.minClients) {
    // debug: the leader's loop logs the step's reason at info once per change (every tick is noise)
    ctx.logger.debug(
      { eligible: eligible.length, needed: settings.minClients },
      "training round due but too few eligible agents",
    );
    return undefined;
  }
  const selected =
    eligible.length <= settings.maxClients
      ? eligible
      : sampleAgents(eligible, {
          fraction: settings.sampleFraction,
          min: settings.maxClients,
          salt: now.toISOString(),
        }).slice(0, settings.maxClients);
  const plan: StoredPlan = {
    ...settings.plan,
    clipNorm: await clipNormFor(ctx, settings),
    seed: Math.floor(now.getTime() / 1000) % 2 ** 31,
    parameterCount: options.parameterCount,
  };
  const round = await insertRound(ctx.db, {
    kind: "train",
    purpose: "train",
    baseVersion: active.version,
    plan,
    selectedAgents: selected,
    minClients: Math.min(
      selected.length,
      minParticipation(settings, selected.length),
    ),
    openedAt: now,
    deadlineAt: new Date(now.getTime() + settings.roundDeadlineMs),
  });
  await auditFederation(ctx, {
    action: "federation.round.open",
    subject: `fl_round:${round.id}`,
    payload: { kind: "train", baseVersion: active.version, selected, plan },
  });
  return round;
}

export type EvaluationPurpose = "gate" | "canary" | "watch";

/** Opens an evaluation round: `agents` score `candidate` against `baseline` on their newest data. */
export async function openEvaluationRound(
  ctx: ServiceContext,
  options: {
    settings: FederationSettings;
    purpose: EvaluationPurpose;
    candidateVersion: number;
    baselineVersion: number;
    agents: string[];
    minClients: number;
  },
): Promise<FlRoundRow> {
  const { settings } = options;
  const now = ctx.clock.now();
  const round = await insertRound(ctx.db, {
    kind: "evaluate",
    purpose: options.purpose,
    baseVersion: options.baselineVersion,
    candidateVersion: options.candidateVersion,
    plan: { holdoutHours: settings.plan.holdoutHours },
    selectedAgents: options.agents,
    minClients: options.minClients,
    openedAt: now,
    deadlineAt: new Date(now.getTime() + settings.roundDeadlineMs),
  });
  await auditFederation(ctx, {
    action: "federation.round.open",
    subject: `fl_round:${round.id}`,
    payload: {
      kind: "evaluate",
      purpose: options.purpose,
      candidateVersion: options.candidateVersion,
      baselineVersion: options.baselineVersion,
      selected: options.agents,
    },
  });
  return round;
}
