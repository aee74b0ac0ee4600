import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import type { LoadedTraces } from "../src/traces/node-loader";
import { loadTraceFolder } from "../src/traces/node-loader";
import type { TraceSeries } from "../src/traces/series-builder";

// Shared by the bench scripts: progress goes to stderr (stdout carries the table and the JSON line).
export const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

export function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--${name} needs a positive integer, got ${value}`);
  return n;
}

/** npm runs workspace scripts in the workspace folder; user paths resolve where the command was typed. */
export const invocationDir = process.env.INIT_CWD ?? process.cwd();

/** The trace folder's series (the first `limit` when given), with load progress on stderr. */
export async function loadSeriesArgs(args: {
  traces: string;
  limit: string | undefined;
}): Promise<{ series: TraceSeries[]; loaded: LoadedTraces }> {
  const tracesDir = resolve(invocationDir, args.traces);
  log(`loading traces from ${tracesDir}`);
  const loaded = await loadTraceFolder(tracesDir, { onProgress: log });
  const series = loaded.series.slice(
    0,
    args.limit === undefined ? undefined : positiveInteger("limit", args.limit),
  );
  return { series, loaded };
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The first `shared/traces` folder beside the repository or beside one of its parents (a clone at
 * /work/main and a worktree at /work/wt/<name> both find /work/shared/traces); the first candidate
 * when none exists, so the error names the expected place.
 */
export function defaultTracesDir(from = repoRoot): string {
  const candidates: string[] = [];
  for (let dir = from; ; dir = dirname(dir)) {
    candidates.push(resolve(dir, "../shared/traces"));
    if (dirname(dir) === dir) break;
  }
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** `parseArgs` options every trace benchmark takes: --traces, --limit, --workers. */
export const TRACE_OPTIONS = {
  traces: { type: "string", default: defaultTracesDir() },
  limit: { type: "string" },
  workers: {
    type: "string",
    default: String(Math.min(2, availableParallelism())),
  },
} as const;
