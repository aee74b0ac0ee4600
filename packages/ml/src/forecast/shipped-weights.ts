import type { LstmWeights } from "./lstm-weights";
import { validateLstmWeights } from "./lstm-weights";
import { SHIPPED_FORECASTER_BASE64 } from "./shipped-weights.gen";

function fromBase64(text: string): Float32Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // The generator writes little-endian float32, the byte order of every platform Node runs on.
  return new Float32Array(bytes.buffer);
}

let cached: { name: string; weights: LstmWeights } | undefined;

/** The shipped forecaster's weights without file or ONNX access (for runLstmForward in pure callers). */
export function loadEmbeddedForecaster(): {
  name: string;
  weights: LstmWeights;
} {
  if (cached) return cached;
  const b = SHIPPED_FORECASTER_BASE64;
  const weights: LstmWeights = {
    inputSize: b.inputSize,
    hiddenSize: b.hiddenSize,
    outputSize: b.outputSize,
    w: fromBase64(b.w),
    r: fromBase64(b.r),
    bias: fromBase64(b.bias),
    denseKernel: fromBase64(b.denseKernel),
    denseBias: fromBase64(b.denseBias),
  };
  validateLstmWeights(weights);
  cached = { name: b.name, weights };
  return cached;
}
