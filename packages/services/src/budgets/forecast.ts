import type { ResourcePrice } from "@kubewise/core";
import type { BudgetRow, DbExecutor, NamespaceScopeFilter } from "@kubewise/db";

import {
  computeAllocation,
  type AllocationAggregate,
} from "../costs/allocation";
import type { CostSettings } from "../costs/settings";
import { resolveAllocationWindow } from "../costs/window";

const DAY_MS = 86_400_000;

export type BudgetStatus = {
  id: string;
  /** The budget's cluster (a list over every cluster mixes them). */
  clusterId: string;
  name: string;
  scopeKind: string;
  scopeKey: string | null;
  scopeValue: string;
  monthlyLimitMicroUsd: number;
  monthToDateMicroUsd: number;
  /** Month to date + the last 7 days' daily average for the days left in the month. */
  forecastMicroUsd: number;
  /** forecast / limit */
  forecastRatio: number;
};

type Context = {
  db: DbExecutor;
  clusterId: string;
  settings: CostSettings;
  price: ResourcePrice;
  scopes: readonly NamespaceScopeFilter[] | undefined;
  now: Date;
};

async function costOf(
  ctx: Context,
  budget: BudgetRow,
  windowName: string,
): Promise<{ cost: number; days: number }> {
  const aggregate: AllocationAggregate =
    budget.scopeKind === "label"
      ? `label:${budget.scopeKey ?? ""}`
      : "namespace";
  const window = resolveAllocationWindow(windowName, ctx.now);
  const report = await computeAllocation({
    db: ctx.db,
    clusterId: ctx.clusterId,
    window,
    aggregate,
    settings: ctx.settings,
    price: ctx.price,
    scopes: ctx.scopes,
    includeIdle: false,
  });
  return {
    cost:
      report.lines.find((l) => l.name === budget.scopeValue)
        ?.totalCostMicroUsd ?? 0,
    days: (window.to.getTime() - window.from.getTime()) / DAY_MS,
  };
}

/** The same allocation numbers as the Costs page, for one budget's namespace or label value. */
export async function forecastBudget(
  ctx: Context,
  budget: BudgetRow,
): Promise<BudgetStatus> {
  const now = ctx.now;
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const [monthToDate, lastWeek] = await Promise.all([
    costOf(ctx, budget, "month"),
    costOf(ctx, budget, "7d"),
  ]);
  const daysLeft = (monthEnd - now.getTime()) / DAY_MS;
  const dailyRate = lastWeek.days > 0 ? lastWeek.cost / lastWeek.days : 0;
  const forecast = Math.round(monthToDate.cost + dailyRate * daysLeft);
  return {
    id: budget.id,
    clusterId: ctx.clusterId,
    name: budget.name,
    scopeKind: budget.scopeKind,
    scopeKey: budget.scopeKey,
    scopeValue: budget.scopeValue,
    monthlyLimitMicroUsd: budget.monthlyLimitMicroUsd,
    monthToDateMicroUsd: monthToDate.cost,
    forecastMicroUsd: forecast,
    forecastRatio: forecast / budget.monthlyLimitMicroUsd,
  };
}
