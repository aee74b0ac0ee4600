// Kubewise's own knob for bench:frontier: the risk target, swept from one plan per day.
import type { SweepPolicy } from "../eval/sweep";
import { pointName } from "../eval/sweep";
import type { RecommendResult } from "../recommender";
import type { ForecastFn } from "./forecasts";
import type { CalibrationMetadata } from "./model-metadata";
import {
  buildKubewiseRecommender,
  chooseLadderStep,
  KUBEWISE_DEFAULTS,
} from "./recommender";

const KUBEWISE_SWEEP_TARGETS = [
  0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99, 0.995,
] as const;

export function createKubewiseSweep(input: {
  forecast: ForecastFn;
  calibration: CalibrationMetadata | null;
  targets?: readonly number[];
}): SweepPolicy {
  const targets = input.targets ?? KUBEWISE_SWEEP_TARGETS;
  const recommender = buildKubewiseRecommender({
    ...KUBEWISE_DEFAULTS,
    forecast: input.forecast,
    calibration: input.calibration,
  });
  return {
    family: "kubewise",
    points: targets.map((t) => ({
      name: pointName(
        "kubewise",
        `target ${t}`,
        t === KUBEWISE_DEFAULTS.targetHold,
      ),
      knob: `target ${t}`,
      isDefault: t === KUBEWISE_DEFAULTS.targetHold,
    })),
    start(ctx) {
      const session = recommender.start(ctx);
      return {
        observe: (chunk) => session.observe(chunk),
        observeOom: (t) => session.observeOom?.(t),
        recommendAll(nowS): RecommendResult[] {
          const ladder = session.recommendEveryStep(nowS);
          if (ladder.kind !== "ladder") return targets.map(() => ladder);
          return targets.map((targetHold) => {
            const step = chooseLadderStep(
              input.calibration,
              ladder.memoryModel,
              { targetHold },
            );
            const rec = ladder.recommendations[step.index];
            return rec
              ? {
                  kind: "ok",
                  recommendation: { ...rec, confidence: step.confidence },
                }
              : {
                  kind: "insufficient-history",
                  reason: `no ladder step ${step.index}`,
                  confidence: 0,
                };
          });
        },
      };
    },
  };
}
