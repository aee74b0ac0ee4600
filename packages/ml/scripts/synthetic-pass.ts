// `--synthetic N`: one recommendation pass (start, observe 8 days of 5-minute history, recommend) for N
// containers per policy; only the recommender's work is timed, not the data generation.
import { createAutopilotRecommender } from "../src/baselines/autopilot";
import { createKrrRecommender } from "../src/baselines/krr";
import { createVpaRecommender } from "../src/baselines/vpa";
import { generateSyntheticContainer } from "../src/eval/synthetic";
import type { Recommender } from "../src/recommender";
import { createRng } from "../src/stats/rng";

const HISTORY_DAYS = 8;
const INTERVAL_S = 300;
const END_S = 1_700_000_000;
const BATCH = 250;

export type SyntheticResult = {
  policy: string;
  containers: number;
  seconds: number;
  /** CPU time of this process (user + system): wall time is unreliable on a shared, oversubscribed machine. */
  cpuSeconds: number;
  perContainerMs: number;
};

export async function runSyntheticPass(input: {
  containers: number;
  kubewise: Recommender | null;
  log: (message: string) => void;
}): Promise<SyntheticResult[]> {
  const policies: Recommender[] = [
    createVpaRecommender(),
    createKrrRecommender(),
    createAutopilotRecommender(),
  ];
  if (input.kubewise) policies.push(input.kubewise);
  else input.log("kubewise: missing, timing the baselines only");
  const results: SyntheticResult[] = [];
  for (const policy of policies) {
    let ms = 0;
    let cpuUs = 0;
    let failures = 0;
    for (let first = 0; first < input.containers; first += BATCH) {
      const batch = [];
      for (let c = first; c < Math.min(input.containers, first + BATCH); c++) {
        batch.push(
          generateSyntheticContainer({
            seed: c + 1,
            days: HISTORY_DAYS,
            intervalS: INTERVAL_S,
            endS: END_S,
          }),
        );
      }
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      for (const [j, chunk] of batch.entries()) {
        const session = policy.start({
          seriesId: `synthetic-${first + j}`,
          sampleIntervalS: INTERVAL_S,
        });
        session.observe(chunk);
        if (session.recommend(END_S).kind !== "ok") failures++;
      }
      ms += performance.now() - started;
      const cpu = process.cpuUsage(cpuStart);
      cpuUs += cpu.user + cpu.system;
      await Promise.resolve();
    }
    const seconds = ms / 1000;
    results.push({
      policy: policy.name,
      containers: input.containers,
      seconds,
      cpuSeconds: cpuUs / 1e6,
      perContainerMs: ms / input.containers,
    });
    input.log(
      `${policy.name}: ${input.containers} containers in ${seconds.toFixed(2)} s (${failures} without a recommendation)`,
    );
  }
  const onnx = await measureOnnxInference(input.containers, input.log);
  for (const r of results) {
    process.stdout.write(
      `${r.policy.padEnd(10)} ${r.containers} containers x ${HISTORY_DAYS} d of 5-min history: ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU (${r.perContainerMs.toFixed(3)} ms/container wall)\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ synthetic: { containers: input.containers, history_days: HISTORY_DAYS, interval_s: INTERVAL_S, target_s: 60, policies: Object.fromEntries(results.map((r) => [r.policy, { seconds: Number(r.seconds.toFixed(3)), cpu_seconds: Number(r.cpuSeconds.toFixed(3)), per_container_ms: Number(r.perContainerMs.toFixed(4)) }])), onnx_us_per_container: onnx === null ? null : Number(onnx.toFixed(2)), onnx_target_us: 100 } })}\n`,
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
