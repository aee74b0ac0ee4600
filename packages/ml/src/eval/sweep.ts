// A policy's knob sweep as harness policies: one session per series answers for every knob setting
// at once (same histograms / forecasts, other percentiles or margins), and each setting is scored as
// its own policy by `evaluateSeries`, so a sweep costs one session plus one `scoreDay` per setting.
import type { PublicationRule } from "../publication";
import type {
  Recommendation,
  Recommender,
  RecommenderContext,
  RecommenderSession,
  RecommendResult,
  ResourceValues,
  UsageChunk,
} from "../recommender";
import type { PolicyEntry } from "./walk-forward";

type SweepSession = Pick<
  RecommenderSession,
  "observe" | "observeOom" | "restate"
> & {
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
  /** Score what a user sees: the published recommendation under this rule (walk-forward.ts). */
  publication?: PublicationRule;
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

const SHARED = new WeakMap<SweepPolicy, WeakMap<RecommenderContext, Shared>>();

/**
 * One harness policy per sweep point. The harness starts every policy with the same context object
 * and hands every policy the same chunk object each day, so the points share one session: the first
 * point to see a chunk feeds it, the first to ask at `nowS` computes every point's result. `variant`
 * scores the same points under another family name and publication rule, on the same session.
 */
export function sweepEntries(
  policy: SweepPolicy,
  variant?: { family: string; publication: PublicationRule | undefined },
): PolicyEntry[] {
  const shared =
    SHARED.get(policy) ?? new WeakMap<RecommenderContext, Shared>();
  SHARED.set(policy, shared);
  const family = variant?.family ?? policy.family;
  const publication = variant ? variant.publication : policy.publication;
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
    const name = variant
      ? pointName(family, point.knob, point.isDefault)
      : point.name;
    const recommender: Recommender = {
      name,
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
            if (index === 0 && variant === undefined)
              s.session.observeOom?.(timestampS);
          },
          restate(
            published: ResourceValues,
            nowS: number,
            fresh?: Recommendation,
          ) {
            return s.session.restate?.(published, nowS, fresh) ?? null;
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
    return { name, recommender, publication };
  });
}
