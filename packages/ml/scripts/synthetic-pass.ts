// `--synthetic N`: one recommendation pass (start, observe 8 days of 5-minute history, recommend) for N
// containers per policy, in `workers` threads; only the recommender's work is timed, not the data generation.
import { createAutopilotRecommender } from "../src/baselines/autopilot";
import { createAutopilotMlRecommender } from "../src/baselines/autopilot-ml";
import { createKrrRecommender } from "../src/baselines/krr";
import { createVpaRecommender } from "../src/baselines/vpa";
import type { Recommender } from "../src/recommender";
import { createRng } from "../src/stats/rng";
import {
  generateBatch,
  HISTORY_DAYS,
  INTERVAL_S,
  recommendBatch,
} from "./synthetic-batch";
import type { ParallelTiming } from "./synthetic-parallel";
import { runInWorkers } from "./synthetic-parallel";

const BATCH = 250;

export type SyntheticResult = {
  policy: string;
  containers: number;
  workers: number;
  seconds: number;
  /** CPU time of this process (user + system, all threads): wall time is unreliable on a shared, oversubscribed machine. */
  cpuSeconds: number;
  perContainerMs: number;
};

async function timeInProcess(
  policy: Recommender,
  containers: number,
): Promise<ParallelTiming> {
  const timing = { ms: 0, cpuUs: 0, failures: 0 };
  for (let first = 0; first < containers; first += BATCH) {
    const chunks = generateBatch(first, Math.min(containers, first + BATCH));
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    timing.failures += recommendBatch(policy, { first, chunks });
    timing.ms += performance.now() - started;
    const cpu = process.cpuUsage(cpuStart);
    timing.cpuUs += cpu.user + cpu.system;
    await Promise.resolve();
  }
  return timing;
}

async function timePolicies(input: {
  containers: number;
  workers: number;
  policies: Recommender[];
}): Promise<Map<string, ParallelTiming>> {
  if (input.workers > 1)
    return runInWorkers({
      containers: input.containers,
      workers: input.workers,
      policies: input.policies.map((p) => p.name),
    });
  const timings = new Map<string, ParallelTiming>();
  for (const policy of input.policies)
    timings.set(policy.name, await timeInProcess(policy, input.containers));
  return timings;
}

export async function runSyntheticPass(input: {
  containers: number;
  workers: number;
  kubewise: Recommender | null;
  log: (message: string) => void;
}): Promise<SyntheticResult[]> {
  const policies: Recommender[] = [
    createVpaRecommender(),
    createKrrRecommender(),
    createAutopilotRecommender(),
    createAutopilotMlRecommender(),
  ];
  if (input.kubewise) policies.push(input.kubewise);
  else input.log("kubewise: missing, timing the baselines only");
  const timings = await timePolicies({ ...input, policies });
  const results: SyntheticResult[] = [];
  for (const [policy, timing] of timings) {
    results.push({
      policy,
      containers: input.containers,
      workers: input.workers,
      seconds: timing.ms / 1000,
      cpuSeconds: timing.cpuUs / 1e6,
      perContainerMs: timing.ms / input.containers,
    });
    input.log(
      `${policy}: ${input.containers} containers in ${(timing.ms / 1000).toFixed(2)} s (${timing.failures} without a recommendation)`,
    );
  }
  const onnx = await measureOnnxInference(input.containers, input.log);
  for (const r of results) {
    process.stdout.write(
      `${r.policy.padEnd(10)} ${r.containers} containers x ${HISTORY_DAYS} d of 5-min history, ${r.workers} worker(s): ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU (${r.perContainerMs.toFixed(3)} ms/container wall)\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ synthetic: { containers: input.containers, workers: input.workers, history_days: HISTORY_DAYS, interval_s: INTERVAL_S, target_s: 60, policies: Object.fromEntries(results.map((r) => [r.policy, { seconds: Number(r.seconds.toFixed(3)), cpu_seconds: Number(r.cpuSeconds.toFixed(3)), per_container_ms: Number(r.perContainerMs.toFixed(4)) }])), onnx_us_per_container: onnx === null ? null : Number(onnx.toFixed(2)), onnx_target_us: 100 } })}\n`,
  );
  return results;
}

type OnnxModule = {
  createOnnxForecaster: (o: { model: string }) => Promise<{
    seqLen: number;
    featureCount: number;
    predictBatch: (
      features: Float32Array,
      batch: number,
    ) => Promise<Float32Array>;
    close: () => Promise<void>;
  }>;
  DEFAULT_MODEL_DIR: string;
  DEFAULT_MODEL_NAME: string;
};

function isOnnxModule(
  mod: Record<string, unknown>,
): mod is Record<string, unknown> & OnnxModule {
  return (
    typeof mod.createOnnxForecaster === "function" &&
    typeof mod.DEFAULT_MODEL_DIR === "string" &&
    typeof mod.DEFAULT_MODEL_NAME === "string"
  );
}

/** Batched onnxruntime inference of the shipped forecaster (@kubewise/ml/onnx), in microseconds per container. */
async function measureOnnxInference(
  containers: number,
  log: (m: string) => void,
): Promise<number | null> {
  // A non-literal specifier: the ONNX adapter is built in parallel and may not exist yet.
  const specifier = ["@kubewise/ml", "onnx"].join("/");
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (error: unknown) {
    log(
      `onnx inference: missing (${error instanceof Error ? error.message : String(error)})`,
    );
    return null;
  }
  if (!isOnnxModule(mod)) {
    log(
      "onnx inference: missing (@kubewise/ml/onnx exports no createOnnxForecaster)",
    );
    return null;
  }
  const forecaster = await mod.createOnnxForecaster({
    model: `${mod.DEFAULT_MODEL_DIR}/${mod.DEFAULT_MODEL_NAME}.onnx`,
  });
  const batch = Math.min(1000, containers);
  const rng = createRng(42);
  const features = Float32Array.from(
    { length: batch * forecaster.seqLen * forecaster.featureCount },
    () => rng() * 2 - 1,
  );
  await forecaster.predictBatch(features, batch);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let done = 0;
  while (done < containers) {
    await forecaster.predictBatch(features, batch);
    done += batch;
  }
  const usPerContainer = ((performance.now() - started) * 1000) / done;
  const cpu = process.cpuUsage(cpuStart);
  const cpuUsPerContainer = (cpu.user + cpu.system) / done;
  await forecaster.close();
  process.stdout.write(
    `onnx       batched inference (batch ${batch}, ${done} containers): ${usPerContainer.toFixed(1)} us/container wall, ${cpuUsPerContainer.toFixed(1)} us CPU (target <= 100)\n`,
  );
  return usPerContainer;
}
