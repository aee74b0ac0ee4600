import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

import { createAcceleratedClock } from "../domain/accelerated-clock";
import { parseTidyCsv, type TraceSeries } from "../domain/trace-csv";
import type {
  ContainerMeta,
  ContainerSample,
  MetricsSource,
  Scrape,
} from "../domain/types";

export type ReplaySourceOptions = {
  /** A tidy .csv or .csv.gz file, or a folder searched recursively for them. */
  path: string;
  maxSeries: number;
  namespace: string;
  wallStartMs: number;
  simStartMs: number;
  speed: number;
  onSkippedFile?: (file: string, reason: string) => void;
};

function listTraceFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter(
      (name) =>
        /\.csv(\.gz)?$/.test(name) &&
        !name.endsWith("series.csv") &&
        !name.includes("original"),
    )
    .sort()
    .map((name) => join(path, name));
}

function loadTraceSeries(
  options: Pick<ReplaySourceOptions, "path" | "maxSeries" | "onSkippedFile">,
): TraceSeries[] {
  const series: TraceSeries[] = [];
  for (const file of listTraceFiles(options.path)) {
    if (series.length >= options.maxSeries) break;
    const raw = readFileSync(file);
    const parsed = parseTidyCsv(
      (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"),
      options.maxSeries - series.length,
    );
    if (parsed.ok) series.push(...parsed.series);
    else options.onSkippedFile?.(file, parsed.error);
  }
  if (series.length === 0)
    throw new Error(`no replayable tidy trace under ${options.path}`);
  return series;
}

function metaOf(
  s: TraceSeries,
  namespace: string,
  index: number,
): ContainerMeta {
  const uid = `7e000000-0000-4000-8000-${index.toString(16).padStart(12, "0")}`;
  return {
    namespace,
    podName: `${s.seriesId}-0`,
    podUid: uid,
    containerName: "main",
    containerId: uid.replaceAll("-", "").padEnd(64, "0"),
    workloadKind: "Deployment",
    workloadName: s.seriesId,
    cpuRequestMillicores: Math.round(s.cpuRequestCores * 1000),
    cpuLimitMillicores: Math.round(s.cpuLimitCores * 1000),
    memoryRequestBytes: Math.round(s.memRequestBytes),
    memoryLimitBytes: Math.round(s.memLimitBytes),
  };
}

/** Replays trace series on an accelerated clock: the trace's first sample lands at simStartMs. */
export function createReplaySource(
  options: ReplaySourceOptions,
): MetricsSource {
  const series = loadTraceSeries(options);
  const entries = series.map((s, i) => ({
    s,
    meta: metaOf(s, options.namespace, i),
    cursor: 0,
  }));
  const traceStartMs = Math.min(
    ...series.map((s) => (s.timestampS[0] ?? 0) * 1000),
  );
  const shiftMs = options.simStartMs - traceStartMs;
  const clock = createAcceleratedClock(options);
  return {
    kind: "replay",
    collect(nowMs): Promise<Scrape> {
      const simNow = clock.simNowMs(nowMs);
      const samples: ContainerSample[] = [];
      for (const entry of entries) {
        const { s, meta } = entry;
        let at = entry.cursor;
        for (
          ;
          at < s.timestampS.length &&
          (s.timestampS[at] ?? 0) * 1000 + shiftMs <= simNow;
          at++
        ) {
          const memory = Math.round(s.memBytes[at] ?? 0);
          samples.push({
            meta,
            timestampMs: (s.timestampS[at] ?? 0) * 1000 + shiftMs,
            cpuUsageCores: s.cpuCores[at] ?? 0,
            cpuThrottledPeriods: 0,
            cpuThrottledSeconds: 0,
            memoryWorkingSetBytes: memory,
            memoryRssBytes: memory,
            memoryLimitBytes: meta.memoryLimitBytes,
            oomKillCount: 0,
          });
        }
        entry.cursor = at;
      }
      return Promise.resolve({ samples, skipped: 0 });
    },
  };
}
