// The suite's measured results, merged into one JSON file that scripts/e2e-node.ts prints last.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

import type { NodeSuiteContext } from "./release";

export function readResults(file: string): Record<string, unknown> {
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>)
    : {};
}

export function recordResult(
  ctx: Pick<NodeSuiteContext, "resultsFile">,
  values: Record<string, unknown>,
): void {
  mkdirSync(dirname(ctx.resultsFile), { recursive: true });
  writeFileSync(
    ctx.resultsFile,
    JSON.stringify({ ...readResults(ctx.resultsFile), ...values }),
  );
}
