// Node runtime adapters for the forecaster: ONNX export/import and batched onnxruntime inference.
export { exportLstmToOnnx, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from "./export";
export type { ExportOptions } from "./export";
export { readLstmWeightsFromOnnx } from "./import";
export { createOnnxForecaster } from "./session";
export type { OnnxForecaster } from "./session";
export {
  createWeightsForecastFn,
  DEFAULT_MODEL_DIR,
  DEFAULT_MODEL_NAME,
  loadShippedModel,
} from "./shipped-model";
export type { ShippedModel } from "./shipped-model";
export { createKubewiseRecommender } from "../kubewise/index";
