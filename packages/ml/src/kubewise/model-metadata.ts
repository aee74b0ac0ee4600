import type { IsotonicMap } from "../calibration/isotonic";
import { hashString } from "../forecast/seeded";
import type { ConfidenceModel } from "./memory-risk";

/** One isotonic map per memory model: nominal quantile level of the limit -> P(holds). */
export type CalibrationMetadata = {
  /** What "holds" means for the calibrated probability. */
  holdDefinition: string;
  maps: Record<string, IsotonicMap>;
  outcomes: number;
  seriesDays: number;
  expectedCalibrationError: number;
  modelWins: Record<string, number>;
};

export type ForecasterMetadata = {
  name: string;
  version: number;
  onnxFile: string;
  architecture: {
    type: "lstm";
    hiddenSize: number;
    seqLen: number;
    recurrentActivation: "hardSigmoid";
  };
  features: string[];
  targets: string[];
  quantileLevels: number[];
  normalization: string;
  training: {
    traces: string;
    seed: number;
    epochs: number;
    fitSeries: number;
    calibrationSeries: number;
    trainSamples: number;
    validationSamples: number;
    validationPinballLoss: number;
    trainSeconds: number;
  };
  calibration: CalibrationMetadata | null;
  /** The per-recommendation confidence model (memory-risk.ts); absent in models trained before it. */
  confidence?: ConfidenceModel | null;
};

/** Every 4th series (by a stable hash) is kept out of training and used for validation and calibration. */
export function isCalibrationSeries(seriesId: string): boolean {
  return hashString(seriesId) % 4 === 0;
}
