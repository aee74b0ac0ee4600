import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";

import type { DbExecutor } from "../client";
import {
  alerts,
  budgets,
  notificationChannels,
  notificationOutbox,
} from "../schema";

export type BudgetRow = typeof budgets.$inferSelect;
export type ChannelRow = typeof notificationChannels.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type OutboxRow = typeof notificationOutbox.$inferSelect;

export async function insertBudget(
  db: DbExecutor,
  values: typeof budgets.$inferInsert,
): Promise<BudgetRow> {
  const [row] = await db.insert(budgets).values(values).returning();
  if (!row) throw new Error("insert into budgets returned no row");
  return row;
}

export async function listBudgets(
  db: DbExecutor,
  clusterId: string,
): Promise<BudgetRow[]> {
  return db
    .select()
    .from(budgets)
    .where(eq(budgets.clusterId, clusterId))
    .orderBy(asc(budgets.name));
}

export async function deleteBudget(
  db: DbExecutor,
  id: string,
): Promise<BudgetRow | undefined> {
  const [row] = await db.delete(budgets).where(eq(budgets.id, id)).returning();
  return row;
}

export async function insertChannel(
  db: DbExecutor,
  values: typeof notificationChannels.$inferInsert,
): Promise<ChannelRow> {
  const [row] = await db
    .insert(notificationChannels)
    .values(values)
    .returning();
  if (!row)
    throw new Error("insert into notification_channels returned no row");
  return row;
}

export async function listChannels(db: DbExecutor): Promise<ChannelRow[]> {
  return db
    .select()
    .from(notificationChannels)
    .orderBy(asc(notificationChannels.name));
}

/**
 * Opens an alert once per dedup key and queues one outbox row per enabled channel in the same
 * transaction; undefined when the alert was already open (nothing queued twice).
 */
export async function openAlertWithOutbox(
  db: DbExecutor,
  alert: typeof alerts.$inferInsert,
): Promise<AlertRow | undefined> {
  const [row] = await db
    .insert(alerts)
    .values(alert)
    .onConflictDoNothing()
    .returning();
  if (!row) return undefined;
  await db.execute(sql`
    insert into notification_outbox (channel_id, alert_id, status, attempts, next_attempt_at, created_at)
    select id, ${row.id}::uuid, 'pending', 0, ${row.openedAt.toISOString()}::timestamptz, ${row.openedAt.toISOString()}::timestamptz
    from notification_channels where enabled`);
  return row;
}

export async function listAlerts(
  db: DbExecutor,
  query: { clusterId: string; limit: number },
): Promise<AlertRow[]> {
  return db
    .select()
    .from(alerts)
    .where(eq(alerts.clusterId, query.clusterId))
    .orderBy(sql`${alerts.openedAt} desc`)
    .limit(query.limit);
}

export type DueNotification = {
  outbox: OutboxRow;
  channel: ChannelRow;
  alert: AlertRow;
};

/** Locks due pending rows (SKIP LOCKED: concurrent deliverers never take the same row). */
export async function claimDueNotifications(
  db: DbExecutor,
  query: { now: Date; limit: number },
): Promise<DueNotification[]> {
  return db
    .select({
      outbox: notificationOutbox,
      channel: notificationChannels,
      alert: alerts,
    })
    .from(notificationOutbox)
    .innerJoin(
      notificationChannels,
      eq(notificationChannels.id, notificationOutbox.channelId),
    )
    .innerJoin(alerts, eq(alerts.id, notificationOutbox.alertId))
    .where(
      and(
        eq(notificationOutbox.status, "pending"),
        lte(notificationOutbox.nextAttemptAt, query.now),
      ),
    )
    .orderBy(asc(notificationOutbox.id))
    .limit(query.limit)
    .for("update", { of: notificationOutbox, skipLocked: true });
}

export async function recordDeliveryAttempt(
  db: DbExecutor,
  update: {
    id: number;
    status: "pending" | "delivered" | "failed";
    attempts: number;
    nextAttemptAt: Date;
    lastError: string | null;
    deliveredAt: Date | null;
  },
): Promise<void> {
  await db
    .update(notificationOutbox)
    .set({
      status: update.status,
      attempts: update.attempts,
      nextAttemptAt: update.nextAttemptAt,
      lastError: update.lastError,
      deliveredAt: update.deliveredAt,
    })
    .where(eq(notificationOutbox.id, update.id));
}

export async function listOutbox(
  db: DbExecutor,
  alertIds: readonly string[],
): Promise<OutboxRow[]> {
  if (alertIds.length === 0) return [];
  return db
    .select()
    .from(notificationOutbox)
    .where(inArray(notificationOutbox.alertId, [...alertIds]))
    .orderBy(asc(notificationOutbox.id));
}
