// npm run bench:onnx -w @kubewise/ml: batched onnxruntime inference of the shipped forecaster, and the
// synchronous TypeScript forward pass over the same weights. Wall and CPU time (this process, all
// threads): on a shared, oversubscribed machine wall time mostly measures the neighbours. Last stdout line is JSON.
import { parseArgs } from "node:util";

import { FEATURE_COUNT, SEQ_HOURS } from "../src/features/model-input";
import { runLstmForward } from "../src/forecast/lstm-forward";
import { createOnnxForecaster, loadShippedModel } from "../src/onnx/index";
import { createRng } from "../src/stats/rng";

const HELP = `npm run bench:onnx

Batched onnxruntime inference of the shipped forecaster (batches 1, 64, 256, 1024) and the synchronous
TypeScript forward pass over the same weights; wall and CPU time per container. Takes no options.
Last stdout line: JSON.

Options:
  -h, --help   this text`;

const { values: args } = parseArgs({
  options: { help: { type: "boolean", short: "h", default: false } },
});
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const BATCHES = [1, 64, 256, 1024];
const ROW = SEQ_HOURS * FEATURE_COUNT;
const MIN_ROWS = 20_000;
const TS_ROWS = 2000;

const round2 = (v: number): number => Number(v.toFixed(2));

function startTimer(): {
  perRow(rows: number): { wallUs: number; cpuUs: number };
} {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  return {
    perRow(rows) {
      const cpu = process.cpuUsage(cpuStart);
      return {
        wallUs: ((performance.now() - started) * 1000) / rows,
        cpuUs: (cpu.user + cpu.system) / rows,
      };
    },
  };
}

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
    const t = startTimer();
    for (let r = 0; r < rounds; r++)
      await forecaster.predictBatch(input, batch);
    const { wallUs, cpuUs } = t.perRow(rounds * batch);
    results[`onnx_batch_${batch}_us_per_container`] = round2(wallUs);
    results[`onnx_batch_${batch}_cpu_us_per_container`] = round2(cpuUs);
    process.stdout.write(
      `onnxruntime-node batch ${String(batch).padStart(4)}: ${wallUs.toFixed(2)} µs/container wall, ${cpuUs.toFixed(2)} µs CPU\n`,
    );
  }
  await forecaster.close();
  const rows = randomRows(TS_ROWS, 7);
  const forwardAll = (): void => {
    for (let b = 0; b < TS_ROWS; b++)
      runLstmForward(model.weights, rows.subarray(b * ROW, (b + 1) * ROW), {
        batch: 1,
        seqLen: SEQ_HOURS,
      });
  };
  forwardAll();
  const t = startTimer();
  forwardAll();
  const ts = t.perRow(TS_ROWS);
  results.typescript_forward_us_per_container = round2(ts.wallUs);
  results.typescript_forward_cpu_us_per_container = round2(ts.cpuUs);
  process.stdout.write(
    `TypeScript forward (sync, batch 1): ${ts.wallUs.toFixed(2)} µs/container wall, ${ts.cpuUs.toFixed(2)} µs CPU\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ onnx: { target_us_per_container: 100, ...results } })}\n`,
  );
}

await main();
