import {
  insertChannel,
  listAlerts as queryAlerts,
  listChannels as queryChannels,
} from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { resolveClusters } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import {
  CreateChannelInputSchema,
  ListAlertsInputSchema,
  ListChannelsInputSchema,
  type CreateChannelInput,
  type ListAlertsInput,
  type ListChannelsInput,
} from "./schemas";

export type ChannelView = {
  id: string;
  name: string;
  kind: string;
  target: string;
  enabled: boolean;
};

export async function createNotificationChannel({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: CreateChannelInput;
}): Promise<ChannelView> {
  authorize(ctx, "createNotificationChannel");
  const parsed = parseInput(CreateChannelInputSchema, input);
  return withTransaction(ctx, async (tx) => {
    const row = await insertChannel(tx.db, {
      ...parsed,
      createdBy: tx.actor.userId,
      createdAt: tx.clock.now(),
    });
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId: null,
        action: "notification.create_channel",
        subject: `channel:${row.id}`,
        payload: { name: row.name, kind: row.kind },
      },
    );
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      target: row.target,
      enabled: row.enabled,
    };
  });
}

export async function listNotificationChannels({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListChannelsInput;
}): Promise<ChannelView[]> {
  authorize(ctx, "listNotificationChannels");
  parseInput(ListChannelsInputSchema, input);
  return (await queryChannels(ctx.db)).map(
    ({ id, name, kind, target, enabled }) => ({
      id,
      name,
      kind,
      target,
      enabled,
    }),
  );
}

export type AlertView = {
  id: string;
  kind: string;
  title: string;
  openedAt: Date;
  resolvedAt: Date | null;
};

export async function listAlerts({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListAlertsInput;
}): Promise<AlertView[]> {
  authorize(ctx, "listAlerts");
  const parsed = parseInput(ListAlertsInputSchema, input);
  const { clusters } = await resolveClusters(ctx.db, parsed);
  const alerts: AlertView[] = [];
  for (const cluster of clusters)
    for (const { id, kind, title, openedAt, resolvedAt } of await queryAlerts(
      ctx.db,
      { clusterId: cluster.id, limit: parsed.limit },
    ))
      alerts.push({ id, kind, title, openedAt, resolvedAt });
  // Newest first over every cluster, as each cluster's list is.
  return alerts
    .sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime())
    .slice(0, parsed.limit);
}
