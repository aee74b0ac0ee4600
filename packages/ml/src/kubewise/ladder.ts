// The calibrated risk ladder of ADR 0004: the memory path for models without a confidence model.
import { applyIsotonic, invertIsotonic } from "../calibration/isotonic";
import type { CalibrationMetadata } from "./model-metadata";
import { RISK_LADDER } from "./plan-memory";

/** Ladder step whose calibrated hold probability first reaches the target, and that probability. */
export function chooseLadderStep(
  calibration: CalibrationMetadata | null,
  model: string,
  options: { targetHold: number; ladderIndex?: number },
): { index: number; confidence: number } {
  const map = calibration?.maps[model] ?? calibration?.maps.all;
  if (options.ladderIndex !== undefined) {
    const index = options.ladderIndex;
    return { index, confidence: stepConfidence(map, index) };
  }
  if (!map) return nominalStep(options.targetHold);
  const index = invertIsotonic(map, options.targetHold);
  return { index, confidence: applyIsotonic(map, index) };
}

type CalibrationMap = CalibrationMetadata["maps"][string];

function stepConfidence(
  map: CalibrationMap | undefined,
  index: number,
): number {
  return map ? applyIsotonic(map, index) : (RISK_LADDER[index]?.level ?? 0.5);
}

// Uncalibrated: fall back to the nominal quantile level (stated as such, never as calibrated).
function nominalStep(targetHold: number): {
  index: number;
  confidence: number;
} {
  const found = RISK_LADDER.findIndex((s) => s.level >= targetHold);
  const index = found < 0 ? RISK_LADDER.length - 1 : found;
  return { index, confidence: RISK_LADDER[index]?.level ?? targetHold };
}
