// npm run bench:onnx -w @kubewise/ml: batched onnxruntime inference of the shipped forecaster, and the
// synchronous TypeScript forward pass over the same weights. Last stdout line is JSON.
import { FEATURE_COUNT, SEQ_HOURS } from "../src/features/model-input";
import { runLstmForward } from "../src/forecast/lstm-forward";
import { createOnnxForecaster, loadShippedModel } from "../src/onnx/index";
import { createRng } from "../src/stats/rng";

const BATCHES = [1, 64, 256, 1024];
const ROW = SEQ_HOURS * FEATURE_COUNT;
const MIN_ROWS = 20_000;

function randomRows(rows: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * ROW }, () => rng() * 2 - 1);
}

async function main(): Promise<void> {
  const model = loadShippedModel();
  const forecaster = await createOnnxForecaster({ model: model.onnxBytes });
  const results: Record<string, number> = {};
  for (const batch of BATCHES) {
    const input = randomRows(batch, batch);
    await forecaster.predictBatch(input, batch);
    const rounds = Math.max(5, Math.ceil(MIN_ROWS / batch));
    const started = performance.now();
    for (let r = 0; r < rounds; r++)
      await forecaster.predictBatch(input, batch);
    const usPerContainer =
      ((performance.now() - started) * 1000) / (rounds * batch);
    results[`onnx_batch_${batch}_us_per_container`] = Number(
      usPerContainer.toFixed(2),
    );
    process.stdout.write(
      `onnxruntime-node batch ${String(batch).padStart(4)}: ${usPerContainer.toFixed(2)} µs/container\n`,
    );
  }
  await forecaster.close();
  const rows = randomRows(256, 7);
  const started = performance.now();
  for (let b = 0; b < 256; b++)
    runLstmForward(model.weights, rows.subarray(b * ROW, (b + 1) * ROW), {
      batch: 1,
      seqLen: SEQ_HOURS,
    });
  const tsUs = ((performance.now() - started) * 1000) / 256;
  results.typescript_forward_us_per_container = Number(tsUs.toFixed(2));
  process.stdout.write(
    `TypeScript forward (sync, batch 1): ${tsUs.toFixed(2)} µs/container\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ onnx: { target_us_per_container: 100, ...results } })}\n`,
  );
}

await main();
