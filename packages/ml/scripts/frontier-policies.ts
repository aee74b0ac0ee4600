// The knob sweeps bench:frontier scores; shared by the main thread and its workers.
import { startAutopilotSweep } from "../src/baselines/autopilot";
import type { AutopilotSweepKnobs } from "../src/baselines/autopilot";
import {
  AUTOPILOT_ML_DEFAULTS,
  createAutopilotMlRecommender,
} from "../src/baselines/autopilot-ml";
import { startKrrSweep } from "../src/baselines/krr";
import type { KrrSweepKnobs } from "../src/baselines/krr";
import { startVpaSweep } from "../src/baselines/vpa";
import type { VpaSweepKnobs } from "../src/baselines/vpa";
import type { SweepPoint, SweepPolicy } from "../src/eval/sweep";
import { pointName } from "../src/eval/sweep";
import { createKubewiseSweep } from "../src/kubewise/sweep";
import {
  createWeightsForecastFn,
  loadShippedModel,
} from "../src/onnx/shipped-model";

const pct = (v: number): string => `${Math.round(v * 1000) / 10}%`;

function grid<K>(
  family: string,
  knobs: { knob: K; label: string; isDefault: boolean }[],
): { points: SweepPoint[]; knobs: K[] } {
  return {
    points: knobs.map((k) => ({
      name: pointName(family, k.label, k.isDefault),
      knob: k.label,
      isDefault: k.isDefault,
    })),
    knobs: knobs.map((k) => k.knob),
  };
}

/** VPA: target percentile (CPU and memory) x safety margin; default p90 +15 %. */
function vpaSweep(): SweepPolicy {
  const settings = [0.5, 0.7, 0.8, 0.9, 0.95, 0.99].flatMap((p) =>
    [0, 0.15, 0.3, 0.5].map((m) => ({
      knob: {
        cpuPercentiles: { lower: 0.5, target: p, upper: 0.95 },
        memPercentiles: { lower: 0.5, target: p, upper: 0.95 },
        marginFraction: m,
      } satisfies VpaSweepKnobs,
      label: `p${p * 100} +${pct(m)}`,
      isDefault: p === 0.9 && m === 0.15,
    })),
  );
  const { points, knobs } = grid("vpa", settings);
  return {
    family: "vpa",
    points,
    start: (ctx) => startVpaSweep(ctx, knobs),
  };
}

/** KRR simple: CPU percentile x memory buffer; default p95 +15 %. */
function krrSweep(): SweepPolicy {
  const settings = [0.8, 0.9, 0.95, 0.99, 1].flatMap((p) =>
    [0, 0.05, 0.15, 0.3, 0.5].map((b) => ({
      knob: {
        cpuPercentile: p,
        memoryBufferFraction: b,
      } satisfies KrrSweepKnobs,
      label: `p${p * 100} +${pct(b)}`,
      isDefault: p === 0.95 && b === 0.15,
    })),
  );
  const { points, knobs } = grid("krr", settings);
  return {
    family: "krr",
    points,
    start: (ctx) => startKrrSweep(ctx, knobs),
  };
}

/** Autopilot moving window: CPU percentile and memory statistic (OOM tolerance) x margin; default p95, low (p98), +15 %. */
function autopilotSweep(): SweepPolicy {
  const settings = (
    [
      [0.9, "low"],
      [0.95, "low"],
      [0.99, "low"],
      [0.95, "minimal"],
    ] as const
  ).flatMap(([p, tolerance]) =>
    [0, 0.15, 0.3, 0.5].map((m) => ({
      knob: {
        cpuPercentile: p,
        oomTolerance: tolerance,
        safetyMarginFraction: m,
      } satisfies AutopilotSweepKnobs,
      label: `p${p * 100} ${tolerance === "low" ? "mem-p98" : "mem-max"} +${pct(m)}`,
      isDefault: p === 0.95 && tolerance === "low" && m === 0.15,
    })),
  );
  const { points, knobs } = grid("autopilot", settings);
  return {
    family: "autopilot",
    points,
    start: (ctx) => startAutopilotSweep(ctx, knobs),
  };
}

/** Autopilot ML: the underrun weight w_u (memory / CPU), which sets where on its frontier it sits. */
function autopilotMlSweep(): SweepPolicy {
  const settings = [
    [0.002, 0.015],
    [0.0035, 0.025],
    [0.005, 0.04],
    [0.01, 0.08],
    [0.02, 0.15],
  ].map(([memory = 0, cpu = 0]) => ({
    knob: { memory, cpu },
    label: `w_u ${memory}/${cpu}`,
    isDefault:
      memory === AUTOPILOT_ML_DEFAULTS.memory.underrunWeight &&
      cpu === AUTOPILOT_ML_DEFAULTS.cpu.underrunWeight,
  }));
  const { points, knobs } = grid("autopilot-ml", settings);
  const recommenders = knobs.map((k) =>
    createAutopilotMlRecommender({
      memory: { overrunWeight: 1, underrunWeight: k.memory },
      cpu: { overrunWeight: 1, underrunWeight: k.cpu },
    }),
  );
  return {
    family: "autopilot-ml",
    points,
    start(ctx) {
      const sessions = recommenders.map((r) => r.start(ctx));
      return {
        observe: (chunk) => {
          for (const s of sessions) s.observe(chunk);
        },
        recommendAll: (nowS) => sessions.map((s) => s.recommend(nowS)),
      };
    },
  };
}

export const BASELINE_FAMILIES = ["vpa", "krr", "autopilot", "autopilot-ml"];

export function buildSweeps(options: { kubewise: boolean }): SweepPolicy[] {
  const sweeps = [vpaSweep(), krrSweep(), autopilotSweep(), autopilotMlSweep()];
  if (options.kubewise) {
    const model = loadShippedModel({});
    const confidenceModel = model.metadata.confidence;
    if (!confidenceModel)
      throw new Error(
        "the shipped model has no confidence model: run npm run train -- --confidence-only",
      );
    sweeps.push(
      createKubewiseSweep({
        forecast: createWeightsForecastFn(model.weights),
        calibration: model.metadata.calibration,
        confidenceModel,
      }),
    );
  }
  return sweeps;
}
