import type { TrainingSample } from "../features/training-samples";
import type { LstmWeights } from "../forecast/lstm-weights";
import { QUANTILE_LEVELS, TARGET_COUNT } from "../forecast/quantile-heads";
import { shuffleInPlace } from "../forecast/seeded";
import { createRng } from "../stats/rng";
import {
  createGradientScratch,
  pinballLoss,
  pinballLossAndGradient,
  type ExampleBatch,
  type QuantileHeads,
} from "./lstm-gradient";
import { gaussian } from "./noise";
import {
  flattenWeights,
  l2Norm,
  parameterLayout,
  shapeOf,
  type ParameterLayout,
} from "./parameters";

/** What a round asks of one client (RoundPlan on the wire). */
export type LocalTrainingPlan = {
  epochs: number;
  learningRate: number;
  batchSize: number;
  /** FedProx: mu/2 ||w - w_base||^2 added to the local objective; 0 = FedAvg. */
  fedproxMu: number;
  /** L2 bound of the uploaded delta; Infinity = no clipping (central and local-only training). */
  clipNorm: number;
  /** Gaussian noise of standard deviation multiplier x clipNorm per coordinate; 0 = off. */
  dpNoiseMultiplier: number;
  seed: number;
};

export type LocalTrainingResult = {
  /** Local minus base parameters, clipped (and noised); float32 like the wire. */
  delta: Float32Array;
  exampleCount: number;
  localSteps: number;
  preClipNorm: number;
  deltaNorm: number;
  validationLossBefore: number;
  validationLossAfter: number;
  validationExamples: number;
  /** The budget ran out before the planned epochs finished (partial work is still a valid update). */
  stoppedEarly: boolean;
};

export const DEFAULT_HEADS: QuantileHeads = {
  levels: QUANTILE_LEVELS,
  targetCount: TARGET_COUNT,
};

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** Adam over a flat parameter vector (tfjs' defaults), plus the FedProx pull towards `anchor`. */
function createOptimizer(size: number) {
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let step = 0;
  return {
    apply(
      params: Float64Array,
      grad: Float64Array,
      options: { learningRate: number; mu: number; anchor: Float64Array },
    ): void {
      step++;
      const c1 = 1 - ADAM.beta1 ** step;
      const c2 = 1 - ADAM.beta2 ** step;
      for (let k = 0; k < size; k++) {
        const w = params[k] ?? 0;
        const g = (grad[k] ?? 0) + options.mu * (w - (options.anchor[k] ?? 0));
        const mk = ADAM.beta1 * (m[k] ?? 0) + (1 - ADAM.beta1) * g;
        const vk = ADAM.beta2 * (v[k] ?? 0) + (1 - ADAM.beta2) * g * g;
        m[k] = mk;
        v[k] = vk;
        params[k] =
          w -
          (options.learningRate * (mk / c1)) /
            (Math.sqrt(vk / c2) + ADAM.epsilon);
      }
    },
  };
}

/** Packs examples (in the given order) into one batch; reuses `into` when it is large enough. */
function packExamples(
  examples: readonly TrainingSample[],
  layout: ParameterLayout,
  into?: ExampleBatch,
): ExampleBatch {
  const first = examples[0];
  const perExample = first?.features.length ?? 0;
  const seqLen = perExample / layout.inputSize;
  const batch =
    into !== undefined && into.features.length >= examples.length * perExample
      ? into
      : {
          features: new Float32Array(examples.length * perExample),
          targets: new Float64Array(examples.length * TARGET_COUNT),
          count: 0,
          seqLen,
        };
  examples.forEach((e, b) => {
    batch.features.set(e.features, b * perExample);
    for (let t = 0; t < TARGET_COUNT; t++)
      batch.targets[b * TARGET_COUNT + t] = e.targets[t] ?? 0;
  });
  batch.count = examples.length;
  batch.seqLen = seqLen;
  return batch;
}

/** Mean pinball loss of `weights` over `examples` (0 examples: NaN). */
export function evaluatePinball(
  params: Float64Array,
  layout: ParameterLayout,
  examples: readonly TrainingSample[],
  perHead?: Float64Array,
): number {
  if (examples.length === 0) return Number.NaN;
  const batch = packExamples(examples, layout);
  const scratch = createGradientScratch(layout, batch.seqLen);
  return pinballLoss(params, layout, batch, {
    heads: DEFAULT_HEADS,
    scratch,
    ...(perHead === undefined ? {} : { perHead }),
  });
}

function clipAndNoise(
  delta: Float64Array,
  plan: LocalTrainingPlan,
): { delta: Float32Array; preClipNorm: number } {
  const preClipNorm = l2Norm(delta);
  const scale =
    preClipNorm > plan.clipNorm && preClipNorm > 0
      ? plan.clipNorm / preClipNorm
      : 1;
  const out = Float32Array.from(delta, (d) => d * scale);
  if (plan.dpNoiseMultiplier > 0 && Number.isFinite(plan.clipNorm)) {
    const next = gaussian(createRng(plan.seed ^ 0x5eed_d9));
    const sigma = plan.dpNoiseMultiplier * plan.clipNorm;
    for (let k = 0; k < out.length; k++)
      out[k] = (out[k] ?? 0) + sigma * next();
  }
  return { delta: out, preClipNorm };
}

/**
 * Trains from `base` on `train` (seeded shuffle per epoch, Adam, pinball loss over the quantile
 * heads, FedProx term) and returns the clipped delta with the numbers a round upload carries.
 * Deterministic for a seed unless `shouldStop` ends it early (the CPU budget of an agent).
 * `control.anchor` pulls towards another model than `base` (Ditto's personal model: it starts from
 * the node's own model and the FedProx term pulls it towards the global one); the delta stays
 * relative to `base`.
 */
export function trainFromBase(
  base: LstmWeights,
  data: {
    train: readonly TrainingSample[];
    validation: readonly TrainingSample[];
  },
  plan: LocalTrainingPlan,
  control: { shouldStop?: () => boolean; anchor?: LstmWeights } = {},
): LocalTrainingResult {
  const layout = parameterLayout(shapeOf(base));
  const start = flattenWeights(base);
  const anchor =
    control.anchor === undefined ? start : flattenWeights(control.anchor);
  if (anchor.length !== start.length)
    throw new RangeError(
      `anchor has ${anchor.length} parameters, the base model ${start.length}`,
    );
  const params = Float64Array.from(start);
  const grad = new Float64Array(layout.total);
  const optimizer = createOptimizer(layout.total);
  const rng = createRng(plan.seed);
  const order = [...data.train];
  const validationLossBefore = evaluatePinball(start, layout, data.validation);
  let localSteps = 0;
  let stoppedEarly = false;
  let batch: ExampleBatch | undefined;
  let scratch: ReturnType<typeof createGradientScratch> | undefined;
  epochs: for (let epoch = 0; epoch < plan.epochs; epoch++) {
    shuffleInPlace(order, rng);
    for (let from = 0; from < order.length; from += plan.batchSize) {
      if (control.shouldStop?.() === true) {
        stoppedEarly = true;
        break epochs;
      }
      batch = packExamples(
        order.slice(from, from + plan.batchSize),
        layout,
        batch,
      );
      scratch ??= createGradientScratch(layout, batch.seqLen);
      pinballLossAndGradient(params, layout, batch, {
        heads: DEFAULT_HEADS,
        scratch,
        grad,
      });
      optimizer.apply(params, grad, {
        learningRate: plan.learningRate,
        mu: plan.fedproxMu,
        anchor,
      });
      localSteps++;
    }
  }
  const validationLossAfter = evaluatePinball(params, layout, data.validation);
  const raw = Float64Array.from(params, (p, k) => p - (start[k] ?? 0));
  const { delta, preClipNorm } = clipAndNoise(raw, plan);
  return {
    delta,
    exampleCount: data.train.length,
    localSteps,
    preClipNorm,
    deltaNorm: l2Norm(delta),
    validationLossBefore,
    validationLossAfter,
    validationExamples: data.validation.length,
    stoppedEarly,
  };
}
