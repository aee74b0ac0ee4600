// Kubewise's own knob for bench:frontier: the risk weight (memory) paired with the CPU exceedance
// penalty, both rising from aggressive to conservative, swept from one plan per day.
import type { SweepPolicy } from "../eval/sweep";
import { pointName } from "../eval/sweep";
import { PUBLICATION_RULE } from "../publication";
import type { RecommenderContext } from "../recommender";
import { CPU_EXCEEDANCE_PENALTY } from "./cpu-choice";
import type { ForecastFn } from "./forecasts";
import type { ConfidenceModel } from "./memory-risk";
import type { CalibrationMetadata } from "./model-metadata";
import type { RiskKnob } from "./recommender";
import { buildKubewiseRecommender, KUBEWISE_DEFAULTS } from "./recommender";

export const DEFAULT_KNOB: RiskKnob = {
  riskWeight: KUBEWISE_DEFAULTS.riskWeight,
  cpuPenalty: CPU_EXCEEDANCE_PENALTY,
};

/** From aggressive to conservative; the default is the product's setting. */
export const KUBEWISE_KNOBS: readonly RiskKnob[] = [
  { riskWeight: 0.3, cpuPenalty: 3 },
  { riskWeight: 0.4, cpuPenalty: 5 },
  { riskWeight: 0.5, cpuPenalty: 7 },
  { riskWeight: 0.6, cpuPenalty: 9 },
  { riskWeight: 0.75, cpuPenalty: 12 },
  { riskWeight: 1, cpuPenalty: 15 },
  { riskWeight: 1.25, cpuPenalty: 19 },
  { riskWeight: 1.5, cpuPenalty: 24 },
  DEFAULT_KNOB,
  { riskWeight: 3, cpuPenalty: 50 },
  { riskWeight: 5, cpuPenalty: 70 },
  { riskWeight: 8, cpuPenalty: 100 },
  { riskWeight: 15, cpuPenalty: 150 },
  { riskWeight: 30, cpuPenalty: 250 },
];

export const knobLabel = (k: RiskKnob): string =>
  `risk ${k.riskWeight} / cpu ${k.cpuPenalty}`;

export function createKubewiseSweep(input: {
  forecast: ForecastFn;
  calibration: CalibrationMetadata | null;
  confidenceModel: ConfidenceModel;
}): SweepPolicy {
  const recommender = buildKubewiseRecommender({
    ...KUBEWISE_DEFAULTS,
    forecast: input.forecast,
    calibration: input.calibration,
    confidenceModel: input.confidenceModel,
  });
  return {
    family: "kubewise",
    // What a user sees: the published recommendation, replaced only on a material change.
    publication: PUBLICATION_RULE,
    points: KUBEWISE_KNOBS.map((k) => ({
      name: pointName("kubewise", knobLabel(k), k === DEFAULT_KNOB),
      knob: knobLabel(k),
      isDefault: k === DEFAULT_KNOB,
    })),
    start(ctx: RecommenderContext) {
      const session = recommender.start(ctx);
      return {
        observe: (chunk) => session.observe(chunk),
        observeOom: (t) => session.observeOom?.(t),
        restate: (published, nowS, fresh) =>
          session.restate(published, nowS, fresh),
        recommendAll: (nowS) => session.recommendForKnobs(nowS, KUBEWISE_KNOBS),
      };
    },
  };
}
