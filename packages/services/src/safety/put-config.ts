import { ValidationError } from "@kubewise/core";
import { namespaceExists, upsertSafetyConfig } from "@kubewise/db";

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
    const clusterId = await resolveClusterId(
      tx.db,
      parsed.clusterId,
      parsed.cluster,
    );
    assertNamespaceAccess(tx.actor, { clusterId, namespace: parsed.namespace });
    if (
      !parsed.allowFutureNamespace &&
      !(await namespaceExists(tx.db, clusterId, parsed.namespace))
    )
      throw new ValidationError(
        `no workload has been seen in namespace ${parsed.namespace}`,
        {
          fieldErrors: {
            namespace: [
              "unknown namespace; set allowFutureNamespace: true to configure it before its first workload",
            ],
          },
        },
      );
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
        payload: {
          namespace: parsed.namespace,
          before,
          after: parsed.config,
          futureNamespace: parsed.allowFutureNamespace,
        },
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
