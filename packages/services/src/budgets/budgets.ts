import { NotFoundError } from "@kubewise/core";
import {
  deleteBudget as deleteBudgetRow,
  insertBudget,
  listBudgets as queryBudgets,
} from "@kubewise/db";

import {
  authorize,
  canAccessNamespace,
  namespaceFilter,
} from "../auth/authorize";
import type { ServiceContext } from "../context";
import { loadCostSettings } from "../costs/settings";
import { recordAudit } from "../internal/audit";
import { resolveClusterId, resolveClusters } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { forecastBudget, type BudgetStatus } from "./forecast";
import {
  CreateBudgetInputSchema,
  DeleteBudgetInputSchema,
  ListBudgetsInputSchema,
  type CreateBudgetInput,
  type DeleteBudgetInput,
  type ListBudgetsInput,
} from "./schemas";

export async function createBudget({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: CreateBudgetInput;
}): Promise<BudgetStatus> {
  authorize(ctx, "createBudget");
  const parsed = parseInput(CreateBudgetInputSchema, input);
  return withTransaction(ctx, async (tx) => {
    const clusterId = await resolveClusterId(
      tx.db,
      parsed.clusterId,
      parsed.cluster,
    );
    const row = await insertBudget(tx.db, {
      clusterId,
      name: parsed.name,
      scopeKind: parsed.scopeKind,
      scopeKey: parsed.scopeKind === "label" ? (parsed.scopeKey ?? null) : null,
      scopeValue: parsed.scopeValue,
      monthlyLimitMicroUsd: parsed.monthlyLimitMicroUsd,
      createdBy: tx.actor.userId,
      createdAt: tx.clock.now(),
    });
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId,
        action: "budget.create",
        subject: `budget:${row.id}`,
        payload: { ...parsed, clusterId },
      },
    );
    const { settings, price } = await loadCostSettings(
      tx.db,
      clusterId,
      tx.price,
    );
    return forecastBudget(
      {
        db: tx.db,
        clusterId,
        settings,
        price,
        scopes: undefined,
        now: tx.clock.now(),
      },
      row,
    );
  });
}

/** Budgets with month to date and month-end forecast; a viewer sees the namespace budgets in scope. */
export async function listBudgets({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListBudgetsInput;
}): Promise<BudgetStatus[]> {
  authorize(ctx, "listBudgets");
  const parsed = parseInput(ListBudgetsInputSchema, input);
  const { clusters } = await resolveClusters(ctx.db, parsed);
  const statuses: BudgetStatus[] = [];
  for (const cluster of clusters)
    statuses.push(...(await clusterBudgets(ctx, cluster.id)));
  return statuses;
}

async function clusterBudgets(
  ctx: ServiceContext,
  clusterId: string,
): Promise<BudgetStatus[]> {
  const scopes = namespaceFilter(ctx.actor);
  const rows = (await queryBudgets(ctx.db, clusterId)).filter(
    (b) =>
      scopes === undefined ||
      (b.scopeKind === "namespace" &&
        canAccessNamespace(ctx.actor, { clusterId, namespace: b.scopeValue })),
  );
  const { settings, price } = await loadCostSettings(
    ctx.db,
    clusterId,
    ctx.price,
  );
  const common = {
    db: ctx.db,
    clusterId,
    settings,
    price,
    scopes,
    now: ctx.clock.now(),
  };
  return Promise.all(rows.map((row) => forecastBudget(common, row)));
}

export async function deleteBudget({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: DeleteBudgetInput;
}): Promise<{ id: string }> {
  authorize(ctx, "deleteBudget");
  const { id } = parseInput(DeleteBudgetInputSchema, input);
  return withTransaction(ctx, async (tx) => {
    const row = await deleteBudgetRow(tx.db, id);
    if (!row) throw new NotFoundError(`budget ${id} not found`);
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId: row.clusterId,
        action: "budget.delete",
        subject: `budget:${id}`,
        payload: { name: row.name },
      },
    );
    return { id };
  });
}
