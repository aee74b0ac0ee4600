import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { createRng } from "../stats/rng";
import { loadGateKernel } from "./gate-kernel";
import { runLstmForward, runLstmForwardFloat64 } from "./lstm-forward";
import type { LstmWeights } from "./lstm-weights";

const hardSigmoid = (x: number): number =>
  Math.min(1, Math.max(0, 0.2 * x + 0.5));

/** The textbook loop (one gate at a time), the numerics the recommendations were calibrated with. */
function referenceForward(
  weights: LstmWeights,
  input: Float32Array,
  batch: number,
  seqLen: number,
): Float64Array {
  const { inputSize: nIn, hiddenSize: nH, outputSize: nOut } = weights;
  const out = new Float64Array(batch * nOut);
  for (let b = 0; b < batch; b++) {
    const h = new Array<number>(nH).fill(0);
    const c = new Array<number>(nH).fill(0);
    for (let t = 0; t < seqLen; t++) {
      const x = Array.from(
        input.subarray((b * seqLen + t) * nIn, (b * seqLen + t + 1) * nIn),
      );
      const gates = Array.from({ length: 4 * nH }, (_, g) => {
        let acc = weights.bias[g] ?? 0;
        for (let k = 0; k < nIn; k++)
          acc += (weights.w[g * nIn + k] ?? 0) * (x[k] ?? 0);
        for (let k = 0; k < nH; k++)
          acc += (weights.r[g * nH + k] ?? 0) * (h[k] ?? 0);
        return acc;
      });
      for (let u = 0; u < nH; u++) {
        const cu =
          hardSigmoid(gates[2 * nH + u] ?? 0) * (c[u] ?? 0) +
          hardSigmoid(gates[u] ?? 0) * Math.tanh(gates[3 * nH + u] ?? 0);
        c[u] = cu;
        h[u] = hardSigmoid(gates[nH + u] ?? 0) * Math.tanh(cu);
      }
    }
    for (let j = 0; j < nOut; j++) {
      let acc = weights.denseBias[j] ?? 0;
      for (let k = 0; k < nH; k++)
        acc += (h[k] ?? 0) * (weights.denseKernel[k * nOut + j] ?? 0);
      out[b * nOut + j] = acc;
    }
  }
  return out;
}

const floats = (n: number): fc.Arbitrary<Float32Array> =>
  fc.float32Array({ minLength: n, maxLength: n, min: -3, max: 3, noNaN: true });

const case_ = fc
  .record({
    inputSize: fc.integer({ min: 1, max: 9 }),
    hiddenSize: fc.integer({ min: 1, max: 7 }),
    outputSize: fc.integer({ min: 1, max: 5 }),
    batch: fc.integer({ min: 1, max: 3 }),
    seqLen: fc.integer({ min: 1, max: 6 }),
  })
  .chain((s) =>
    fc.record({
      sizes: fc.constant(s),
      w: floats(4 * s.hiddenSize * s.inputSize),
      r: floats(4 * s.hiddenSize * s.hiddenSize),
      bias: floats(4 * s.hiddenSize),
      denseKernel: floats(s.hiddenSize * s.outputSize),
      denseBias: floats(s.outputSize),
      input: floats(s.batch * s.seqLen * s.inputSize),
    }),
  );

describe("runLstmForward", () => {
  it.each(["wasm", "js"] as const)(
    "%s engine equals the one-gate-at-a-time loop bit for bit (property)",
    (engine) => {
      fc.assert(
        fc.property(case_, ({ sizes, input, ...arrays }) => {
          const weights: LstmWeights = { ...sizes, ...arrays };
          const shape = { ...sizes, engine };
          const expected = referenceForward(
            weights,
            input,
            sizes.batch,
            sizes.seqLen,
          );
          const actual = runLstmForwardFloat64(weights, input, shape);
          expect(Array.from(actual)).toEqual(Array.from(expected));
          // A second call reuses the prepared weights and must not carry state over.
          expect(Array.from(runLstmForward(weights, input, shape))).toEqual(
            Array.from(Float32Array.from(expected)),
          );
        }),
      );
    },
  );

  it("runs the shipped-size model on the wasm kernel when WebAssembly SIMD exists", () => {
    expect(loadGateKernel()).not.toBeNull();
  });

  it("switching weights between calls re-uploads them (wasm)", () => {
    const rng = createRng(9);
    const make = (): LstmWeights => {
      const f = (n: number): Float32Array =>
        Float32Array.from({ length: n }, () => rng() * 2 - 1);
      return {
        inputSize: 3,
        hiddenSize: 2,
        outputSize: 2,
        w: f(24),
        r: f(16),
        bias: f(8),
        denseKernel: f(4),
        denseBias: f(2),
      };
    };
    const [a, b] = [make(), make()];
    const input = Float32Array.from({ length: 2 * 5 * 3 }, () => rng());
    const shape = { batch: 2, seqLen: 5 };
    for (const weights of [a, b, a, b])
      expect(Array.from(runLstmForwardFloat64(weights, input, shape))).toEqual(
        Array.from(referenceForward(weights, input, 2, 5)),
      );
  });

  it("rejects an input of the wrong length", () => {
    const weights: LstmWeights = {
      inputSize: 2,
      hiddenSize: 1,
      outputSize: 1,
      w: new Float32Array(8),
      r: new Float32Array(4),
      bias: new Float32Array(4),
      denseKernel: new Float32Array(1),
      denseBias: new Float32Array(1),
    };
    expect(() =>
      runLstmForward(weights, new Float32Array(3), { batch: 1, seqLen: 2 }),
    ).toThrow(RangeError);
  });
});
