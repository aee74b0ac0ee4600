// bench:frontier's cache of the baselines' scores: per series, the per-policy sums of every baseline
// sweep point, the hindsight bound and the provisioned values, keyed by the series' data and by the
// source the baselines run on. Kubewise is scored afresh on every run (it is what changes); a re-run
// after a Kubewise change scores only Kubewise (about 40 % of a cold run on the dev traces).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import type { TraceSeries } from "../src/traces/series-builder";
import type { FrontierSeriesResult } from "./frontier-score";

const ML_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Source the baselines' scores depend on: every module under src/ except Kubewise's own (src/kubewise,
 * the shipped model, and publication.ts, which only policies with a publication rule run; no baseline
 * has one), plus the sweep definitions and the scorer of this script. Tests are left out.
 */
function baselineSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(ML_ROOT, path);
      if (statSync(path).isDirectory()) {
        if (rel !== join("src", "kubewise")) walk(path);
      } else if (
        name.endsWith(".ts") &&
        !name.endsWith(".test.ts") &&
        rel !== join("src", "publication.ts")
      )
        out.push(path);
    }
  };
  walk(join(ML_ROOT, "src"));
  out.push(
    join(ML_ROOT, "scripts", "frontier-policies.ts"),
    join(ML_ROOT, "scripts", "frontier-score.ts"),
  );
  return out;
}

/** Hash of the baselines' source (changes whenever any of it changes). */
export function baselineCodeKey(): string {
  const hash = createHash("sha256");
  for (const path of baselineSources()) {
    hash.update(relative(ML_ROOT, path));
    hash.update("\0");
    hash.update(readFileSync(path));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** Hash of one series' data (id, unit system, every sample column). */
export function seriesKey(series: TraceSeries): string {
  const hash = createHash("sha256");
  hash.update(`${series.seriesId}\0${series.unitSystem}\0`);
  for (const column of [
    series.timestampsS,
    series.cpu,
    series.mem,
    series.cpuRequest,
    series.cpuLimit,
    series.memRequest,
    series.memLimit,
  ])
    hash.update(
      new Uint8Array(column.buffer, column.byteOffset, column.byteLength),
    );
  return hash.digest("hex").slice(0, 24);
}

export type BaselineCache = {
  dir: string;
  get(series: TraceSeries): Promise<FrontierSeriesResult | null>;
  put(series: TraceSeries, result: FrontierSeriesResult): Promise<void>;
};

/** A cache in `<root>/<code key>/`; entries of other code versions are never read. */
export function openBaselineCache(root: string): BaselineCache {
  const dir = resolve(root, baselineCodeKey());
  const file = (series: TraceSeries): string =>
    join(dir, `${seriesKey(series)}.json`);
  return {
    dir,
    async get(series) {
      const path = file(series);
      if (!existsSync(path)) return null;
      return JSON.parse(await readFile(path, "utf8")) as FrontierSeriesResult;
    },
    async put(series, result) {
      await mkdir(dir, { recursive: true });
      const path = file(series);
      // Write then rename: a run cut off mid-write leaves no half entry.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(result));
      await rename(tmp, path);
    },
  };
}
