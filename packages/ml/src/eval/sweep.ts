// A policy's knob sweep as harness policies: one session per series answers for every knob setting
// at once (same histograms / forecasts, other percentiles or margins), and each setting is scored as
// its own policy by `evaluateSeries`, so a sweep costs one session plus one `scoreDay` per setting.
import type {
  Recommender,
  RecommenderContext,
  RecommenderSession,
  RecommendResult,
  UsageChunk,
} from "../recommender";
import type { PolicyEntry } from "./walk-forward";

type SweepSession = Pick<RecommenderSession, "observe" | "observeOom"> & {
  /** One result per point of the sweep, in the order of `SweepPolicy.points`. */
  recommendAll(nowS: number): RecommendResult[];
};

export type SweepPoint = {
  /** Policy name in reports: the family alone for its default point, `family@knob` otherwise. */
  name: string;
  /** The knob setting in words, e.g. "p0.95 +15 %". */
  knob: string;
  isDefault: boolean;
};

export type SweepPolicy = {
  family: string;
  points: SweepPoint[];
  start(ctx: RecommenderContext): SweepSession;
};

/** The name a sweep point is reported under. */
export function pointName(
  family: string,
  knob: string,
  isDefault: boolean,
): string {
  return isDefault ? family : `${family}@${knob}`;
}

type Shared = {
  session: SweepSession;
  observed: WeakSet<UsageChunk>;
  nowS: number;
  results: RecommendResult[];
};

/**
 * One harness policy per sweep point. The harness starts every policy with the same context object
 * and hands every policy the same chunk object each day, so the points share one session: the first
 * point to see a chunk feeds it, the first to ask at `nowS` computes every point's result.
 */
export function sweepEntries(policy: SweepPolicy): PolicyEntry[] {
  const shared = new WeakMap<RecommenderContext, Shared>();
  const sharedFor = (ctx: RecommenderContext): Shared => {
    let s = shared.get(ctx);
    if (s === undefined) {
      s = {
        session: policy.start(ctx),
        observed: new WeakSet(),
        nowS: Number.NaN,
        results: [],
      };
      shared.set(ctx, s);
    }
    return s;
  };
  return policy.points.map((point, index): PolicyEntry => {
    const recommender: Recommender = {
      name: point.name,
      start(ctx) {
        const s = sharedFor(ctx);
        return {
          observe(chunk) {
            if (s.observed.has(chunk)) return;
            s.observed.add(chunk);
            s.session.observe(chunk);
          },
          observeOom(timestampS) {
            // Every point forwards its own OOM; only the first point's reaches the shared session.
            if (index === 0) s.session.observeOom?.(timestampS);
          },
          recommend(nowS) {
            if (s.nowS !== nowS) {
              s.results = s.session.recommendAll(nowS);
              s.nowS = nowS;
            }
            return (
              s.results[index] ?? {
                kind: "insufficient-history",
                reason: `${policy.family}: no result for ${point.knob}`,
                confidence: 0,
              }
            );
          },
        };
      },
    };
    return { name: point.name, recommender };
  });
}
