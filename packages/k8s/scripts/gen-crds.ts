// Writes charts/kubewise/crds/*.yaml from the zod schemas in src/crd. `--check` fails on drift instead.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { renderCrdFiles } from "../src/crd/render";

const repoRoot = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
);
const outDir = join(repoRoot, "charts", "kubewise", "crds");
const check = process.argv.includes("--check");

/** The file's text, or "" when it does not exist yet. */
function readIfExists(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT")
      return "";
    throw error;
  }
}

let drift = 0;
for (const file of renderCrdFiles()) {
  const path = join(outDir, file.fileName);
  if (check) {
    if (readIfExists(path) !== file.content) {
      drift += 1;
      console.error(
        `drift: ${relative(repoRoot, path)} differs from packages/k8s schemas; run npm run gen:crds -w @kubewise/k8s`,
      );
    }
  } else {
    writeFileSync(path, file.content);
    console.log(`wrote ${relative(repoRoot, path)}`);
  }
}
if (drift > 0) process.exit(1);
