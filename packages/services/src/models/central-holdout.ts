import { getUsageHistory, listContainersWithUsageSince } from "@kubewise/db";
import {
  buildLocalExamples,
  scoreForecasts,
  SLOT_SECONDS,
  type LstmWeights,
  type PairedLoss,
} from "@kubewise/ml";

import type { ServiceContext } from "../context";

const DAY_MS = 86_400_000;
// Examples need 48 h of input and 24 h of target before the holdout's newest targets end.
const LOOKBACK_MS = 3 * DAY_MS;
const STRIDE_SLOTS = 36;

const sum = (values: Float64Array): number => values.reduce((a, v) => a + v, 0);

/**
 * The aggregator's own check: both models on the newest `holdoutHours` of a fixed pseudo-random
 * sample of containers (5-minute rollups, the targets no agent trained on), one pair per container.
 */
export async function scoreCentralHoldout(
  ctx: ServiceContext,
  options: {
    candidate: LstmWeights;
    baseline: LstmWeights;
    holdoutHours: number;
    containers: number;
  },
): Promise<PairedLoss[]> {
  const to = ctx.clock.now();
  const from = new Date(
    to.getTime() - LOOKBACK_MS - options.holdoutHours * 3_600_000,
  );
  const ids = await listContainersWithUsageSince(ctx.db, {
    since: from,
    limit: options.containers,
  });
  const pairs: PairedLoss[] = [];
  for (const containerId of ids) {
    const rows = await getUsageHistory(ctx.db, { containerId, from, to });
    const { validation } = buildLocalExamples(
      [
        {
          key: containerId,
          slots: rows.map((r) =>
            Math.floor(r.bucket.getTime() / 1000 / SLOT_SECONDS),
          ),
          cpuCores: rows.map((r) => r.cpuUsageCoresAvg),
          memBytes: rows.map((r) => r.memoryWorkingSetBytesMax),
        },
      ],
      {
        strideSlots: STRIDE_SLOTS,
        historyDays: 0,
        holdoutHours: options.holdoutHours,
        maxTrainExamples: 0,
        seed: 0,
        endSlot: Math.floor(to.getTime() / 1000 / SLOT_SECONDS),
      },
    );
    if (validation.length === 0) continue;
    pairs.push({
      candidate: sum(scoreForecasts(options.candidate, validation).lossSum),
      baseline: sum(scoreForecasts(options.baseline, validation).lossSum),
    });
  }
  return pairs;
}
