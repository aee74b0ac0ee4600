// Training-side adapters (tfjs on the wasm backend).
export {
  createForecasterModel,
  createPinballLoss,
  extractLstmWeights,
  predictWithModel,
  useWasmBackend,
} from "./model";
export type { ForecasterShape } from "./model";
export { trainForecaster } from "./train";
export type { TrainOptions } from "./train";
