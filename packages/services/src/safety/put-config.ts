import { upsertSafetyConfig } from "@kubewise/db";

import { assertNamespaceAccess, authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { resolveClusterId } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { getEffectiveSafetyConfig } from "../recommendations/internal";
import type { SafetyConfigView } from "./get-config";
import {
  PutSafetyConfigInputSchema,
  type PutSafetyConfigInput,
} from "./schemas";

export async function putSafetyConfig({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: PutSafetyConfigInput;
}): Promise<SafetyConfigView> {
  authorize(ctx, "putSafetyConfig");
  const parsed = parseInput(PutSafetyConfigInputSchema, input);
  return withTransaction(ctx, async (tx) => {
    const clusterId = await resolveClusterId(tx.db, parsed.clusterId);
    assertNamespaceAccess(tx.actor, { clusterId, namespace: parsed.namespace });
    const before = await getEffectiveSafetyConfig(
      tx.db,
      clusterId,
      parsed.namespace,
    );
    const row = await upsertSafetyConfig(tx.db, {
      clusterId,
      namespace: parsed.namespace,
      values: parsed.config,
      at: tx.clock.now(),
    });
    await recordAudit(
      { ...tx, actorId: tx.actor.userId },
      {
        clusterId,
        action: "safety.put_config",
        subject: `namespace:${parsed.namespace}`,
        payload: { namespace: parsed.namespace, before, after: parsed.config },
      },
    );
    return {
      clusterId,
      namespace: parsed.namespace,
      config: parsed.config,
      isDefault: false,
      updatedAt: row.updatedAt,
    };
  });
}
