import { defineConfig } from "tsup";

// One dist/main.js; internal just-in-time TS packages are bundled, npm dependencies stay external.
export default defineConfig({
  entry: ["src/main.ts"],
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "dist",
  clean: true,
  noExternal: [/^@kubewise\//],
  // Native and heavy runtimes of @kubewise/ml load from node_modules, only when scoring needs them.
  external: ["onnxruntime-node", "onnx-proto", /^@tensorflow\//],
});
