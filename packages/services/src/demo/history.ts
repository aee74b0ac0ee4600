import type { Logger } from "pino";

import { RECOMMENDATION_PHASES } from "@kubewise/core";
import {
  listRecommendations as queryRecommendations,
  updateContainerResources,
  type DbExecutor,
} from "@kubewise/db";
import type { Recommender } from "@kubewise/ml";

import { SYSTEM_ACTOR, type Actor, type ServiceContext } from "../context";
import { approveRecommendation } from "../recommendations/approve";
import { generateRecommendations } from "../recommendations/generate";
import { recordApplyProgress } from "../recommendations/record-apply";
import { rejectRecommendation } from "../recommendations/reject";

type HistoryInput = {
  db: DbExecutor;
  now: Date;
  logger: Logger;
  clusterId: string;
  historyDays: number;
  users: { role: string; actor: Actor }[];
  recommender: Recommender | undefined;
};

// Generate once halfway through the history, approve / reject / apply some, then generate again at
// `now`: the dashboard gets realized savings, superseded versions and an audit trail.
export async function seedRecommendationHistory({
  db,
  now,
  logger,
  clusterId,
  historyDays,
  users,
  recommender,
}: HistoryInput): Promise<number> {
  const midpoint = new Date(now.getTime() - (historyDays / 2) * 86_400_000);
  const at = (t: Date) => ({ now: () => t });
  const ctxAt = (t: Date, actor: Actor): ServiceContext => ({
    db,
    actor,
    clock: at(t),
    logger,
    ports: recommender === undefined ? {} : { recommender },
  });
  await generateRecommendations({
    ctx: ctxAt(midpoint, SYSTEM_ACTOR),
    input: {
      clusterId,
      now: midpoint,
      historyWindowSeconds: (historyDays / 2) * 86_400,
    },
  });
  const approver =
    users.find((u) => u.role === "approver")?.actor ?? SYSTEM_ACTOR;
  const early = await queryRecommendations(db, {
    clusterId,
    phases: ["Pending"],
    sort: "savings_desc",
    limit: 500,
    offset: 0,
  });
  // Ties in savings are broken by name, not by the random uuid, so the seed stays deterministic.
  const inNamespace = (ns: string) =>
    early.rows
      .filter((r) => r.workload.namespace === ns)
      .sort(
        (a, b) =>
          b.recommendation.projectedMonthlySavingsMicroUsd -
            a.recommendation.projectedMonthlySavingsMicroUsd ||
          `${a.workload.name}/${a.container.name}`.localeCompare(
            `${b.workload.name}/${b.container.name}`,
          ),
      );
  const later = (hours: number) =>
    new Date(midpoint.getTime() + hours * 3_600_000);
  for (const [i, row] of [
    ...inNamespace("shop").slice(0, 2),
    ...inNamespace("platform").slice(0, 1),
  ].entries()) {
    const id = row.recommendation.id;
    await approveRecommendation({
      ctx: ctxAt(later(1 + i), approver),
      input: { id, comment: "looks safe" },
    });
    if (row.workload.namespace !== "shop") continue; // platform uses the dry-run default
    await recordApplyProgress({
      ctx: ctxAt(later(2 + i), SYSTEM_ACTOR),
      input: { id, event: "startApply" },
    });
    await recordApplyProgress({
      ctx: ctxAt(later(2.5 + i), SYSTEM_ACTOR),
      input: { id, event: "completeApply" },
    });
    const r = row.recommendation;
    await updateContainerResources(db, row.container.id, {
      cpuRequestMillicores: r.cpuRequestMillicores,
      cpuLimitMillicores: r.cpuLimitMillicores,
      memoryRequestBytes: r.memoryRequestBytes,
      memoryLimitBytes: r.memoryLimitBytes,
      updatedAt: later(2.5 + i),
    });
  }
  const toReject = inNamespace("payments")[0];
  if (toReject) {
    await rejectRecommendation({
      ctx: ctxAt(later(4), approver),
      input: {
        id: toReject.recommendation.id,
        reason: "ledger-db is sized for month-end close",
      },
    });
  }
  await generateRecommendations({
    ctx: ctxAt(now, SYSTEM_ACTOR),
    input: { clusterId, now, historyWindowSeconds: (historyDays / 2) * 86_400 },
  });
  const all = await queryRecommendations(db, {
    clusterId,
    phases: RECOMMENDATION_PHASES,
    sort: "created_desc",
    limit: 1,
    offset: 0,
  });
  return all.total;
}
