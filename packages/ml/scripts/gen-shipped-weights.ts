// Writes src/forecast/shipped-weights.gen.ts from models/kubewise-forecaster-v1.onnx, so pure callers
// (services, the web server) can run the shipped forecaster without node:fs or onnx-proto.
// Run: npx tsx packages/ml/scripts/gen-shipped-weights.ts (src/onnx/shipped-weights.test.ts checks drift).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { loadShippedModel } from "../src/onnx/shipped-model";
import { renderShippedWeightsModule } from "../src/onnx/shipped-weights-render";

const target = fileURLToPath(
  new URL("../src/forecast/shipped-weights.gen.ts", import.meta.url),
);
writeFileSync(target, renderShippedWeightsModule(loadShippedModel()));
process.stdout.write(`wrote ${target}\n`);
