// npm run train -w @kubewise/ml [-- --traces <dir> --epochs N --max-train N --calibrate-only]
// Trains the default forecaster on the dev traces (seeded, fixed order), exports ONNX, then fits the
// confidence calibration on the calibration split and writes models/kubewise-forecaster-v1.{onnx,json}.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { format, resolveConfig } from "prettier";

import {
  FEATURE_NAMES,
  SEQ_HOURS,
  TARGET_NAMES,
} from "../src/features/model-input";
import { buildTrainingSamples } from "../src/features/training-samples";
import type { TrainingSample } from "../src/features/training-samples";
import { OUTPUT_SIZE, QUANTILE_LEVELS } from "../src/forecast/quantile-heads";
import { shuffleInPlace } from "../src/forecast/seeded";
import { evidenceRows } from "../src/kubewise/evidence-rows";
import {
  crossValidateConfidence,
  fitConfidenceModel,
} from "../src/kubewise/fit-confidence";
import type { ConfidenceModel } from "../src/kubewise/memory-risk";
import { isCalibrationSeries } from "../src/kubewise/model-metadata";
import type { ForecasterMetadata } from "../src/kubewise/model-metadata";
import { KUBEWISE_DEFAULTS } from "../src/kubewise/recommender";
import { exportLstmToOnnx } from "../src/onnx/export";
import {
  createWeightsForecastFn,
  loadShippedModel,
} from "../src/onnx/shipped-model";
import { createRng } from "../src/stats/rng";
import { extractLstmWeights } from "../src/tfjs/model";
import { trainForecaster } from "../src/tfjs/train";
import { loadTraceFolder } from "../src/traces/node-loader";
import type { TraceSeries } from "../src/traces/series-builder";
import { defaultTracesDir } from "./script-io";
import { runCalibration } from "./train-calibration";

const here = dirname(fileURLToPath(import.meta.url));

/** Writes the model metadata as the repo's formatter would, so a retrain passes `format:check`. */
async function writeMetadata(path: string, metadata: ForecasterMetadata) {
  const options = await resolveConfig(path);
  writeFileSync(
    path,
    await format(JSON.stringify(metadata), { ...options, filepath: path }),
  );
}
const HELP = `npm run train -- [options]

Trains the default forecaster on the dev traces (seeded), exports ONNX, fits the confidence model and
its calibration on series it was not fit on, and writes models/kubewise-forecaster-v1.{onnx,json}.

Options:
  --traces <dir>        tidy trace folder (default: the first ../shared/traces beside the repository or a parent)
  --out <dir>           model folder (default: packages/ml/models)
  --epochs <n>          (default 5)
  --max-train <n>       training samples (default 8000)
  --seed <n>            (default 20260701)
  --calibrate-only      keep the ONNX model, refit only the confidence
  --skip-calibration    train the forecaster only
  --confidence-only     keep the ONNX model and the ladder calibration, refit only the confidence model
  -h, --help            this text`;

const { values: args } = parseArgs({
  options: {
    help: { type: "boolean", short: "h", default: false },
    traces: {
      type: "string",
      default: defaultTracesDir(),
    },
    out: { type: "string", default: resolve(here, "../models") },
    epochs: { type: "string", default: "5" },
    "max-train": { type: "string", default: "8000" },
    seed: { type: "string", default: "20260701" },
    "calibrate-only": { type: "boolean", default: false },
    "skip-calibration": { type: "boolean", default: false },
    "confidence-only": { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const MODEL_NAME = "kubewise-forecaster-v1";
const HIDDEN_SIZE = 16;
const onnxPath = resolve(args.out, `${MODEL_NAME}.onnx`);
const metaPath = resolve(args.out, `${MODEL_NAME}.json`);
const seed = Number(args.seed);
const log = (message: string): void =>
  void process.stderr.write(`[train] ${message}\n`);

function usable(series: TraceSeries): boolean {
  return series.quality.missingMem < 0.5 * series.timestampsS.length;
}

function samplesOf(
  series: TraceSeries[],
  strideSlots: number,
): TrainingSample[] {
  return series.flatMap((s) =>
    buildTrainingSamples(
      s.seriesId,
      { timestampsS: s.timestampsS, cpuCores: s.cpu, memBytes: s.mem },
      strideSlots,
    ),
  );
}

/** The confidence model (fit/calibration split as the forecaster) plus out-of-fold figures at the default risk weight. */
function fitConfidence(series: TraceSeries[]): ConfidenceModel {
  const shipped = loadShippedModel({ modelDir: args.out });
  const forecast = createWeightsForecastFn(shipped.weights);
  const rows = series.flatMap((s, i) => {
    if ((i + 1) % 20 === 0) log(`evidence: ${i + 1}/${series.length} series`);
    return evidenceRows(s, forecast);
  });
  const model = fitConfidenceModel(rows, {
    isCalibrationSeries,
    iterations: CONFIDENCE_ITERATIONS,
    log,
  });
  const [cv] = crossValidateConfidence(rows, {
    riskWeights: [KUBEWISE_DEFAULTS.riskWeight],
    iterations: CONFIDENCE_ITERATIONS,
    log,
  });
  if (cv) {
    const at99 = cv.risk_coverage.find((c) => c.threshold === 0.99);
    model.fit = {
      ...model.fit,
      outOfFoldRiskWeight: cv.riskWeight,
      outOfFoldOomFreeDays: Number(cv.oomFreeDays.toFixed(4)),
      outOfFoldMemSlack: Number(cv.memSlack.toFixed(4)),
      outOfFoldEce: Number((cv.ece ?? Number.NaN).toFixed(4)),
      outOfFoldAuc: Number((cv.auc ?? Number.NaN).toFixed(4)),
      outOfFoldBrierSkill: Number((cv.brier_skill ?? Number.NaN).toFixed(4)),
      outOfFoldHoldRateAt099: Number(
        (at99?.hold_rate ?? Number.NaN).toFixed(4),
      ),
      outOfFoldCoverageAt099: Number((at99?.coverage ?? Number.NaN).toFixed(4)),
    };
    log(`confidence out of fold: ${JSON.stringify(model.fit)}`);
  }
  return model;
}

const CONFIDENCE_ITERATIONS = 200;

async function main(): Promise<void> {
  const started = Date.now();
  log(`loading traces from ${args.traces}`);
  const loaded = await loadTraceFolder(args.traces, { onProgress: log });
  const series = loaded.series.filter(usable);
  const fitSeries = series.filter((s) => !isCalibrationSeries(s.seriesId));
  const calSeries = series.filter((s) => isCalibrationSeries(s.seriesId));
  log(
    `${loaded.series.length} series, ${series.length} usable: ${fitSeries.length} fit, ${calSeries.length} calibration`,
  );

  if (!args["calibrate-only"] && !args["confidence-only"]) {
    const rng = createRng(seed);
    const all = shuffleInPlace(samplesOf(fitSeries, 72), rng);
    const train = all.slice(0, Number(args["max-train"]));
    const validation = shuffleInPlace(samplesOf(calSeries, 144), rng).slice(
      0,
      4000,
    );
    log(
      `samples: ${all.length} available, ${train.length} train, ${validation.length} validation`,
    );
    const shape = {
      seqLen: SEQ_HOURS,
      inputSize: FEATURE_NAMES.length,
      hiddenSize: HIDDEN_SIZE,
      outputSize: OUTPUT_SIZE,
    };
    const { model, validationLoss } = await trainForecaster(train, validation, {
      shape,
      seed,
      epochs: Number(args.epochs),
      batchSize: 64,
      learningRate: 0.005,
      onEpoch: ({ epoch, trainLoss, validationLoss: valLoss, seconds }) =>
        log(
          `epoch ${epoch + 1}/${args.epochs}: train pinball ${trainLoss.toFixed(5)}, validation ${valLoss.toFixed(5)} (${seconds.toFixed(1)} s)`,
        ),
    });
    mkdirSync(args.out, { recursive: true });
    const weights = extractLstmWeights(model, shape);
    writeFileSync(
      onnxPath,
      exportLstmToOnnx(weights, {
        seqLen: SEQ_HOURS,
        metadata: { name: MODEL_NAME, version: "1" },
      }),
    );
    const metadata: ForecasterMetadata = {
      name: MODEL_NAME,
      version: 1,
      onnxFile: `${MODEL_NAME}.onnx`,
      architecture: {
        type: "lstm",
        hiddenSize: HIDDEN_SIZE,
        seqLen: SEQ_HOURS,
        recurrentActivation: "hardSigmoid",
      },
      features: [...FEATURE_NAMES],
      targets: [...TARGET_NAMES],
      quantileLevels: [...QUANTILE_LEVELS],
      normalization:
        "per series: memory / max memory of the 48 h input window; CPU / max(p95, 5 % of peak) of 5-min CPU in the window; log1p of ratios; targets are log ratios clipped to +-3",
      training: {
        traces:
          "dev part of ../shared/traces (bitbrains_rnd + google2019 job382); held-out series never used",
        seed,
        epochs: Number(args.epochs),
        fitSeries: fitSeries.length,
        calibrationSeries: calSeries.length,
        trainSamples: train.length,
        validationSamples: validation.length,
        validationPinballLoss: validationLoss,
        trainSeconds: Math.round((Date.now() - started) / 1000),
      },
      calibration: null,
    };
    await writeMetadata(metaPath, metadata);
    log(`wrote ${onnxPath} and ${metaPath}`);
    model.dispose();
  }
  if (args["skip-calibration"]) return;
  const metadata = JSON.parse(
    readFileSync(metaPath, "utf8"),
  ) as ForecasterMetadata;
  if (!args["confidence-only"]) {
    metadata.calibration = await runCalibration({
      onnxPath,
      modelDir: args.out,
      metadata,
      series: calSeries,
      log,
    });
    await writeMetadata(metaPath, metadata);
  }
  metadata.confidence = fitConfidence(series);
  await writeMetadata(metaPath, metadata);
  log(
    `calibration written; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

await main();
