import { insertAnomaly, listOpenAnomaliesForContainer } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import {
  RecordAgentAnomaliesInputSchema,
  type RecordAgentAnomaliesInput,
} from "./schemas";

export type RecordAgentAnomaliesResult = {
  opened: number;
  alreadyOpen: number;
};

/**
 * Stores the anomaly flags an agent raised locally. A flag opens an anomaly unless one of the same
 * kind is already open for that container, so a batch resent after a lost ack opens nothing twice.
 */
export async function recordAgentAnomalies({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: RecordAgentAnomaliesInput;
}): Promise<RecordAgentAnomaliesResult> {
  authorize(ctx, "recordAgentAnomalies");
  const { clusterId, agentId, anomalies } = parseInput(
    RecordAgentAnomaliesInputSchema,
    input,
  );
  return withTransaction(ctx, async (tx) => {
    const result: RecordAgentAnomaliesResult = { opened: 0, alreadyOpen: 0 };
    for (const anomaly of anomalies) {
      const open = await listOpenAnomaliesForContainer(
        tx.db,
        anomaly.containerId,
      );
      if (open.some((a) => a.kind === anomaly.kind)) {
        result.alreadyOpen += 1;
        continue;
      }
      const row = await insertAnomaly(tx.db, {
        clusterId,
        containerId: anomaly.containerId,
        kind: anomaly.kind,
        severity: anomaly.severity,
        detectedAt: anomaly.detectedAt,
        timeToLimitSeconds: anomaly.timeToLimitSeconds,
        details: { ...anomaly.details, source: "agent", agentId },
      });
      await recordAudit(
        { ...tx, actorId: tx.actor.userId },
        {
          clusterId,
          action: "anomaly.open",
          subject: `anomaly:${row.id}`,
          payload: {
            kind: row.kind,
            severity: row.severity,
            source: "agent",
            agentId,
          },
        },
      );
      result.opened += 1;
    }
    if (result.opened > 0)
      ctx.logger.info(
        { clusterId, agentId, ...result },
        "agent anomalies recorded",
      );
    return result;
  });
}
