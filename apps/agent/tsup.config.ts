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
});
