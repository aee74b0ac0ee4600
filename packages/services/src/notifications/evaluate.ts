import { formatMicroUsd } from "@kubewise/core";
import {
  getFirstAllocationBucket,
  listBudgets,
  openAlertWithOutbox,
} from "@kubewise/db";

import { listAnomalies } from "../anomalies/list";
import { authorize } from "../auth/authorize";
import { forecastBudget } from "../budgets/forecast";
import type { ServiceContext } from "../context";
import { computeAllocation } from "../costs/allocation";
import { loadCostSettings, type CostSettings } from "../costs/settings";
import { resolveAllocationWindow } from "../costs/window";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { EvaluateAlertsInputSchema, type EvaluateAlertsInput } from "./schemas";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** A spike needs at least this much of today to compare. */
const MIN_SPIKE_HOURS = 2;

export type EvaluateAlertsResult = { opened: number; checkedBudgets: number };

type NewAlert = {
  clusterId: string;
  kind: "budget_forecast" | "cost_spike" | "critical_anomaly";
  dedupKey: string;
  title: string;
  payload: Record<string, unknown>;
  openedAt: Date;
};

type Pricing = {
  settings: CostSettings;
  price: Awaited<ReturnType<typeof loadCostSettings>>["price"];
};

async function clusterCost(
  ctx: ServiceContext,
  clusterId: string,
  pricing: Pricing,
  window: string,
) {
  const resolved = resolveAllocationWindow(window, ctx.clock.now());
  const report = await computeAllocation({
    db: ctx.db,
    clusterId,
    window: resolved,
    aggregate: "cluster",
    ...pricing,
    scopes: undefined,
    includeIdle: false,
  });
  return { cost: report.totalCostMicroUsd, window: resolved };
}

async function spikeAlert(
  ctx: ServiceContext,
  clusterId: string,
  pricing: Pricing,
  factor: number,
) {
  const now = ctx.clock.now();
  const startOfDay = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const hours = (now.getTime() - startOfDay) / HOUR_MS;
  if (hours < MIN_SPIKE_HOURS) return undefined;
  // A baseline needs the whole 7 days: a young cluster's first day is no spike.
  const first = await getFirstAllocationBucket(ctx.db, {
    clusterId,
    from: new Date(startOfDay - 30 * DAY_MS),
    resolution: "1d",
  });
  if (!first || first.getTime() > startOfDay - 7 * DAY_MS) return undefined;
  const baselineRange = `${new Date(startOfDay - 7 * DAY_MS).toISOString()},${new Date(startOfDay).toISOString()}`;
  const [today, baseline] = await Promise.all([
    clusterCost(ctx, clusterId, pricing, "today"),
    clusterCost(ctx, clusterId, pricing, baselineRange),
  ]);
  const todayPerDay = (today.cost / hours) * 24;
  const baselinePerDay = baseline.cost / 7;
  if (baselinePerDay <= 0 || todayPerDay <= baselinePerDay * factor)
    return undefined;
  return {
    clusterId,
    kind: "cost_spike" as const,
    dedupKey: `spike:${clusterId}:${new Date(startOfDay).toISOString().slice(0, 10)}`,
    title: `Cost spike: today runs at ${formatMicroUsd(Math.round(todayPerDay))}/day, ${(todayPerDay / baselinePerDay).toFixed(1)}x the last 7 days' ${formatMicroUsd(Math.round(baselinePerDay))}/day`,
    payload: {
      todayPerDayMicroUsd: Math.round(todayPerDay),
      baselinePerDayMicroUsd: Math.round(baselinePerDay),
      factor,
    },
    openedAt: now,
  };
}

/**
 * The alert loop's body: budget forecasts above their limit, a cost spike against the recent
 * baseline, new critical anomalies. Each condition opens one alert (dedup key) and queues its
 * notifications in the same transaction; reruns add nothing.
 */
export async function evaluateAlerts({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: EvaluateAlertsInput;
}): Promise<EvaluateAlertsResult> {
  authorize(ctx, "evaluateAlerts");
  const { clusterId, spikeFactor } = parseInput(
    EvaluateAlertsInputSchema,
    input,
  );
  const now = ctx.clock.now();
  const month = now.toISOString().slice(0, 7);
  const { settings, price } = await loadCostSettings(
    ctx.db,
    clusterId,
    ctx.price,
  );
  const pricing = { settings, price };
  const budgets = await listBudgets(ctx.db, clusterId);
  const candidates: NewAlert[] = [];
  for (const budget of budgets) {
    const status = await forecastBudget(
      { db: ctx.db, clusterId, ...pricing, scopes: undefined, now },
      budget,
    );
    if (status.forecastMicroUsd <= budget.monthlyLimitMicroUsd) continue;
    candidates.push({
      clusterId,
      kind: "budget_forecast",
      dedupKey: `budget:${budget.id}:${month}`,
      title: `Budget "${budget.name}" is forecast at ${formatMicroUsd(status.forecastMicroUsd)} for ${month}, over its ${formatMicroUsd(budget.monthlyLimitMicroUsd)}`,
      payload: { budget: status },
      openedAt: now,
    });
  }
  const spike = await spikeAlert(ctx, clusterId, pricing, spikeFactor);
  if (spike) candidates.push(spike);
  const critical = (
    await listAnomalies({ ctx, input: { clusterId, limit: 500 } })
  ).filter((a) => a.severity === "critical");
  for (const anomaly of critical)
    candidates.push({
      clusterId,
      kind: "critical_anomaly",
      dedupKey: `anomaly:${anomaly.id}`,
      title: `Critical ${anomaly.kind.replace("_", " ")} in ${anomaly.namespace}/${anomaly.workloadName} (${anomaly.containerName})`,
      payload: {
        anomalyId: anomaly.id,
        kind: anomaly.kind,
        timeToLimitSeconds: anomaly.timeToLimitSeconds,
      },
      openedAt: now,
    });
  let opened = 0;
  await withTransaction(ctx, async (tx) => {
    for (const alert of candidates)
      if (await openAlertWithOutbox(tx.db, alert)) opened += 1;
  });
  if (opened > 0) ctx.logger.info({ clusterId, opened }, "alerts opened");
  return { opened, checkedBudgets: budgets.length };
}
