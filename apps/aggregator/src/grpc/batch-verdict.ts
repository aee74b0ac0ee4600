import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";

import { ValidationError } from "@kubewise/core";
import type { agentV1 } from "@kubewise/proto";

import type { IngestLimits, ValidatedBatch } from "../domain/batch";
import type { AggregatorMetrics } from "../metrics";
import { fromProtoMetricBatch, toProtoReject } from "./converters";
import { TimestampsAheadError } from "./timestamps-ahead";

export type BatchVerdict =
  | { ok: true; batch: ValidatedBatch }
  | { ok: false; reject: agentV1.SyncMetricsResponse };

/**
 * Validates one batch: invalid -> a reject the agent keeps aside (never resent); timestamps ahead
 * of this aggregator's clock (the node's clock is ahead) -> a reject with retry_after_ms, so the
 * agent resends it once the clock has caught up instead of losing it.
 */
export function judgeBatch(
  raw: agentV1.MetricBatch,
  context: {
    limits: IngestLimits;
    nowMs: number;
    metrics: AggregatorMetrics;
    logger: Logger;
  },
): BatchVerdict {
  const { limits, nowMs, metrics, logger } = context;
  try {
    return { ok: true, batch: fromProtoMetricBatch(raw, limits, nowMs) };
  } catch (error) {
    if (error instanceof TimestampsAheadError) {
      metrics.batchesRejected.inc({ reason: "clock_ahead" });
      metrics.agentClockAhead.set(
        { agent_id: raw.agentId },
        error.aheadMs / 1000,
      );
      logger.warn(
        {
          agentId: raw.agentId,
          seq: raw.seq,
          aheadSeconds: error.aheadMs / 1000,
        },
        "batch from the future: the node's clock is ahead, the agent resends it later",
      );
      return {
        ok: false,
        reject: toProtoReject(raw, {
          code: status.OUT_OF_RANGE,
          message: error.message,
          serverTimeMs: nowMs,
          retryAfterMs: error.aheadMs - limits.maxFutureSkewMs + 1_000,
        }),
      };
    }
    if (!(error instanceof ValidationError)) throw error;
    metrics.batchesRejected.inc({ reason: "invalid" });
    logger.warn(
      { agentId: raw.agentId, seq: raw.seq, fieldErrors: error.fieldErrors },
      "batch rejected",
    );
    return {
      ok: false,
      reject: toProtoReject(raw, {
        code: status.INVALID_ARGUMENT,
        message: `${error.message}: ${JSON.stringify(error.fieldErrors)}`,
        serverTimeMs: nowMs,
      }),
    };
  }
}
