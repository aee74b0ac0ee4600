import type { Recommender } from "../recommender";
import { buildKubewiseRecommender, KUBEWISE_DEFAULTS } from "./recommender";
import type { KubewiseOptions } from "./recommender";

export { buildKubewiseRecommender, KUBEWISE_DEFAULTS } from "./recommender";
export { chooseLadderStep } from "./ladder";
export type { KubewiseOptions } from "./recommender";
export type { ForecastFn } from "./forecasts";
export type { CalibrationMetadata, ForecasterMetadata } from "./model-metadata";
export { RISK_LADDER } from "./plan-memory";
export { DEFAULT_KNOB, KUBEWISE_KNOBS, knobLabel } from "./sweep";
export type { RiskKnob } from "./recommender";

/**
 * The "kubewise" recommender with the shipped model (Node only: reads models/ from disk).
 * `targetHoldProbability` is the calibrated probability that a recommendation holds for 24 h.
 */
export async function createKubewiseRecommender(
  options: { targetHoldProbability?: number; modelDir?: string } & Partial<
    Omit<KubewiseOptions, "forecast" | "calibration">
  > = {},
): Promise<Recommender> {
  const { loadShippedModel, createWeightsForecastFn } =
    await import("../onnx/shipped-model");
  const model = loadShippedModel({ modelDir: options.modelDir });
  return buildKubewiseRecommender({
    ...KUBEWISE_DEFAULTS,
    ...options,
    targetHold:
      options.targetHoldProbability ??
      options.targetHold ??
      KUBEWISE_DEFAULTS.targetHold,
    forecast: createWeightsForecastFn(model.weights),
    calibration: model.metadata.calibration,
    confidenceModel:
      options.confidenceModel ?? model.metadata.confidence ?? null,
  });
}
