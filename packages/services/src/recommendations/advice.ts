// One container's advice: the recommender's fresh recommendation from its history, the sizing
// rules on top (with the confidence restated where they moved memory), and the restatement of the
// open recommendation's values that the publication rule compares against.
import type {
  ContainerWithWorkload,
  RecommendationRow,
  UsageHistoryColumns,
} from "@kubewise/db";
import type {
  Recommendation,
  Recommender,
  ResourceValues,
  Restatement,
  UsageChunk,
} from "@kubewise/ml";

import { toPublishableValues } from "./materiality";
import { applySizingRules, type SizingSignals } from "./sizing-rules";

const ROLLUP_SECONDS = 300;

function toChunk(history: UsageHistoryColumns): UsageChunk {
  // Copies: the recommender's session owns its chunk's arrays.
  const n = history.length;
  const timestampsS = new Float64Array(n);
  for (let i = 0; i < n; i++)
    timestampsS[i] = (history.bucketMs[i] ?? Number.NaN) / 1000;
  return {
    timestampsS,
    cpuCores: history.cpuUsageCoresAvg.slice(0, n),
    memBytes: history.memoryWorkingSetBytesMax.slice(0, n),
  };
}

type Advice = {
  fresh: Recommendation;
  /** Today's confidence for values (and what keeping them costs over `fresh`), where it can say. */
  restate: (
    values: ResourceValues,
    fresh?: Recommendation,
  ) => Restatement | null;
};

/** The recommender's advice for one container from its history; null without enough of it. */
export function adviseContainer(
  recommender: Recommender,
  input: {
    target: ContainerWithWorkload;
    history: UsageHistoryColumns;
    now: Date;
  },
): Advice | null {
  const { target, history, now } = input;
  const session = recommender.start({
    seriesId: target.container.id,
    sampleIntervalS: ROLLUP_SECONDS,
  });
  if (history.length > 0) session.observe(toChunk(history));
  for (let i = 0; i < history.length; i++)
    if ((history.oomKillCountSum[i] ?? 0) > 0)
      session.observeOom?.((history.bucketMs[i] ?? Number.NaN) / 1000);
  const nowS = now.getTime() / 1000;
  const outcome = session.recommend(nowS);
  if (outcome.kind === "insufficient-history") return null;
  const fresh = outcome.recommendation;
  return {
    fresh,
    restate: (values, against = fresh) =>
      session.restate?.(values, nowS, against) ?? null,
  };
}

/** The sizing rules; where they moved memory, the confidence and its factors are restated for it. */
export function withSizingRules(
  fresh: Recommendation,
  signals: SizingSignals,
  restate: Advice["restate"],
): Recommendation {
  const ruled = applySizingRules(fresh, signals);
  if (!memoryMoved(fresh, ruled)) return ruled;
  const restated = restate(ruled.base);
  return restated
    ? { ...ruled, confidence: restated.confidence, factors: restated.factors }
    : ruled;
}

const memoryMoved = (a: Recommendation, b: Recommendation): boolean =>
  a.base.memLimitBytes !== b.base.memLimitBytes ||
  a.base.memRequestBytes !== b.base.memRequestBytes;

/**
 * The open recommendation's values restated today against the one to publish. A sizing rule's memory
 * is a constraint the recommender's objective does not price, so it is judged by relative change.
 */
export function restatePublished(
  advice: Advice,
  publishing: Recommendation,
): (row: RecommendationRow) => Restatement | null {
  const ruled = memoryMoved(advice.fresh, publishing);
  return (row) => {
    const r = advice.restate(toPublishableValues(row).base, publishing);
    if (r === null || !ruled) return r;
    return { confidence: r.confidence, factors: r.factors };
  };
}
