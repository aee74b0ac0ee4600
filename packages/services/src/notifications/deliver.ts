import { UnavailableError } from "@kubewise/core";
import { claimDueNotifications, recordDeliveryAttempt } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { buildMessage } from "./payloads";
import {
  DeliverNotificationsInputSchema,
  type DeliverNotificationsInput,
} from "./schemas";

/** Retries back off 30 s, 1 min, 2 min ... up to 1 h; after this many attempts a row is "failed". */
export const MAX_DELIVERY_ATTEMPTS = 10;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 3_600_000;

function retryDelayMs(attempts: number): number {
  return Math.min(
    MAX_RETRY_MS,
    FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1),
  );
}

export type DeliveryResult = {
  delivered: number;
  retrying: number;
  failed: number;
};

/**
 * Delivers due outbox rows (at least once: a row leaves "pending" only in the transaction that
 * saw its receiver accept it, so a crash mid-send means a retry, never a loss). Rows are locked
 * with SKIP LOCKED, so two deliverers never send the same row at once.
 */
export async function deliverNotifications({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: DeliverNotificationsInput;
}): Promise<DeliveryResult> {
  authorize(ctx, "deliverNotifications");
  const { limit } = parseInput(DeliverNotificationsInputSchema, input);
  const send = ctx.ports.notificationSender;
  if (!send) throw new UnavailableError("no notification sender is configured");
  const result: DeliveryResult = { delivered: 0, retrying: 0, failed: 0 };
  await withTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    for (const due of await claimDueNotifications(tx.db, { now, limit })) {
      const attempts = due.outbox.attempts + 1;
      try {
        await send(buildMessage(due.channel, due.alert));
        await recordDeliveryAttempt(tx.db, {
          id: due.outbox.id,
          status: "delivered",
          attempts,
          nextAttemptAt: now,
          lastError: null,
          deliveredAt: now,
        });
        result.delivered += 1;
      } catch (error) {
        const gaveUp = attempts >= MAX_DELIVERY_ATTEMPTS;
        const reason = error instanceof Error ? error.message : String(error);
        ctx.logger.warn(
          {
            outboxId: due.outbox.id,
            channel: due.channel.name,
            attempts,
            reason,
          },
          "notification not delivered",
        );
        await recordDeliveryAttempt(tx.db, {
          id: due.outbox.id,
          status: gaveUp ? "failed" : "pending",
          attempts,
          nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)),
          lastError: reason.slice(0, 500),
          deliveredAt: null,
        });
        if (gaveUp) result.failed += 1;
        else result.retrying += 1;
      }
    }
  });
  return result;
}
