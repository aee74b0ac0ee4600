import { defineConfig } from "tsup";

// dist/main.js (+ its training child); internal just-in-time TS packages are bundled, npm dependencies stay external.
export default defineConfig({
  // train-worker.js: the short-lived child of federated rounds (forked from dist/main.js).
  entry: ["src/main.ts", "src/train-worker.ts"],
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "dist",
  clean: true,
  noExternal: [/^@kubewise\//],
  // Native and heavy runtimes of @kubewise/ml load from node_modules, only when scoring needs them.
  external: ["onnxruntime-node", "onnx-proto", /^@tensorflow\//],
});
