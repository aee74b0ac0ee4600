// npm run bench:frontier -- [--traces <dir>] [--out <dir>] [--limit <n>] [--every <k>] [--workers <n>]
// Matched-safety benchmark: every policy's own knob swept, Kubewise's frontier interpolated at each
// baseline point's own safety, the hindsight static bound beside it; SVG charts + a table in --out,
// the table on stdout, and one JSON object as the last stdout line.
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import { PolicyAccumulator } from "../src/eval/aggregate";
import type { PolicyMetrics } from "../src/eval/aggregate";
import type { ConfidenceOutcome } from "../src/eval/confidence-metrics";
import { confidenceReport } from "../src/eval/confidence-metrics";
import type {
  Axis,
  FrontierPoint,
  MatchedComparison,
} from "../src/eval/frontier";
import {
  compareAtMatchedSafety,
  COST_AXIS,
  CPU_AXIS,
  MEMORY_AXIS,
} from "../src/eval/frontier";
import { renderChart } from "../src/eval/frontier-svg";
import type { ChartSeries } from "../src/eval/frontier-svg";
import type { SweepPolicy } from "../src/eval/sweep";
import { pointName } from "../src/eval/sweep";
import type { PublicationRule } from "../src/publication";
import type { TraceSeries } from "../src/traces/series-builder";
import type { BaselineCache } from "./frontier-cache";
import { openBaselineCache } from "./frontier-cache";
import { BASELINE_FAMILIES, buildSweeps } from "./frontier-policies";
import { parseRule, withRule } from "./frontier-rule";
import type {
  FrontierSeriesResult,
  PartResults,
  Parts,
} from "./frontier-score";
import {
  FRESH_FAMILY,
  HINDSIGHT_FAMILY,
  HINDSIGHT_QUANTILES,
  joinParts,
  scoreParts,
} from "./frontier-score";
import {
  invocationDir,
  loadSeriesArgs,
  log,
  positiveInteger,
  TRACE_OPTIONS,
} from "./script-io";
import { startTsxWorker } from "./worker-pool";

const HELP = `npm run bench:frontier -- [options]

Sweeps each policy's own knob on a folder of tidy traces (walk-forward, 24 h days) and compares
Kubewise with every baseline point at that point's own safety:
  memory: Kubewise's mem_slack at the baseline's oom_free_days (and the hindsight static bound's);
  CPU:    Kubewise's cpu_slack at the baseline's cpu_under;
  cost:   Kubewise's cost_ratio at the baseline's oom_free_days.
Kubewise's value is interpolated along its Pareto frontier, never extrapolated ("-" when the
baseline's safety lies outside Kubewise's range). Writes memory.svg, cpu.svg, cost.svg and
frontier.md to --out; the last stdout line is one JSON object.

Knobs: vpa target percentile x margin; krr CPU percentile x memory buffer; autopilot CPU
percentile, memory statistic x margin; autopilot-ml underrun weight; kubewise risk target;
hindsight static bound: per-series quantile of its future daily peaks.

Options:
  --traces <dir>   tidy trace folder (default: the first ../shared/traces beside the repository or a parent)
  --out <dir>      where the charts and the table go (default: ./bench-frontier)
  --limit <n>      only the first n series
  --every <k>      only every k-th series (quick iteration; report full runs)
  --workers <n>    worker threads (default: min(2, CPU cores))
  --baselines-only skip Kubewise (no model files needed)
  --cache <dir>    where the baselines' scores are kept between runs, per series and per version
                   of their source (default: ./bench-frontier/cache); Kubewise is always scored
  --rescore        ignore the cache and score the baselines again (the cache is still refreshed)
  --fresh          also score Kubewise as stated each day, before the publication rule
                   ("kubewise-fresh"; Kubewise itself is scored as published)
  --rule <json>    score Kubewise under another publication rule: a JSON object merged per key
                   into the product's (e.g. '{"memory":{"regretDown":0.08}}'); for tuning
  -h, --help       this text`;

const { values: args } = parseArgs({
  options: {
    ...TRACE_OPTIONS,
    out: { type: "string", default: "bench-frontier" },
    every: { type: "string" },
    "baselines-only": { type: "boolean", default: false },
    fresh: { type: "boolean", default: false },
    cache: { type: "string" },
    rescore: { type: "boolean", default: false },
    rule: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

type Merged = {
  accumulators: Map<string, PolicyAccumulator>;
  kubewiseDays: ConfidenceOutcome[];
  series: number;
};

function fold(merged: Merged, result: FrontierSeriesResult): void {
  if (result.days > 0) merged.series++;
  for (const [name, state] of result.states) {
    let acc = merged.accumulators.get(name);
    if (acc === undefined) {
      acc = new PolicyAccumulator();
      merged.accumulators.set(name, acc);
    }
    acc.merge(state);
  }
  for (const d of result.kubewiseDays) merged.kubewiseDays.push(d);
}

async function scoreAll(
  series: TraceSeries[],
  options: {
    workers: number;
    kubewise: boolean;
    fresh: boolean;
    cache: BaselineCache | null;
    rule?: PublicationRule;
  },
): Promise<Merged> {
  const merged: Merged = {
    accumulators: new Map(),
    kubewiseDays: [],
    series: 0,
  };
  const started = performance.now();
  let done = 0;
  let cached = 0;
  const progress = (): void => {
    done++;
    if (done % 10 === 0 || done === series.length) {
      const elapsedS = (performance.now() - started) / 1000;
      const etaS = (elapsedS / done) * (series.length - done);
      log(
        `scored ${done}/${series.length} series (${elapsedS.toFixed(1)} s, about ${etaS.toFixed(0)} s to go; baselines from the cache for ${cached}; ${options.workers} worker(s))`,
      );
    }
  };
  // What each series still needs: the baselines unless cached, Kubewise unless --baselines-only.
  const jobs: {
    index: number;
    cachedBaselines: FrontierSeriesResult | null;
  }[] = [];
  for (const [index, s] of series.entries()) {
    const hit = (await options.cache?.get(s)) ?? null;
    if (hit) cached++;
    jobs.push({ index, cachedBaselines: hit });
  }
  const finish = async (index: number, results: PartResults): Promise<void> => {
    const job = jobs[index];
    const s = series[index];
    if (job === undefined || s === undefined) return;
    const baselines = job.cachedBaselines ?? results.baselines;
    if (baselines === undefined)
      throw new Error(`series ${s.seriesId}: no baseline result`);
    if (results.baselines && options.cache)
      await options.cache.put(s, results.baselines);
    fold(
      merged,
      results.kubewise ? joinParts(baselines, results.kubewise) : baselines,
    );
    progress();
  };
  const partsOf = (index: number): Parts => ({
    baselines: !jobs[index]?.cachedBaselines,
    kubewise: options.kubewise,
  });
  const pending = jobs.filter((j) => {
    const p = partsOf(j.index);
    return p.baselines || p.kubewise;
  });
  for (const j of jobs.filter((x) => !pending.includes(x)))
    await finish(j.index, {});
  if (pending.length === 0) return merged;
  if (options.workers <= 1) {
    const sweeps = withRule(buildSweeps(options), options.rule);
    for (const j of pending) {
      const s = series[j.index];
      if (s === undefined) continue;
      await finish(
        j.index,
        scoreParts(s, sweeps, {
          fresh: options.fresh,
          parts: partsOf(j.index),
        }),
      );
    }
    return merged;
  }
  const workers = Array.from(
    { length: Math.min(options.workers, pending.length) },
    () =>
      startTsxWorker(new URL("./frontier-worker.ts", import.meta.url), {
        kubewise: options.kubewise,
        fresh: options.fresh,
        ...(options.rule ? { rule: options.rule } : {}),
      }),
  );
  let next = 0;
  let finished = 0;
  await new Promise<void>((resolveAll, rejectAll) => {
    const feed = (worker: (typeof workers)[number]): void => {
      const job = pending[next++];
      if (job === undefined) return;
      worker.postMessage({
        index: job.index,
        series: series[job.index],
        parts: partsOf(job.index),
      });
    };
    for (const worker of workers) {
      worker.on("error", rejectAll);
      worker.on("message", (m: { index: number; result: PartResults }) => {
        finish(m.index, m.result)
          .then(() => {
            finished++;
            if (finished === pending.length) resolveAll();
            else feed(worker);
          })
          .catch(rejectAll);
      });
      feed(worker);
    }
  });
  await Promise.all(workers.map((w) => w.terminate()));
  return merged;
}

function frontierPoints(
  merged: Merged,
  sweeps: SweepPolicy[],
  fresh: boolean,
): Map<string, FrontierPoint[]> {
  const byFamily = new Map<string, FrontierPoint[]>();
  const add = (p: Omit<FrontierPoint, "metrics">): void => {
    const metrics = merged.accumulators.get(p.name)?.summary().metrics;
    if (!metrics) return;
    const list = byFamily.get(p.family) ?? [];
    list.push({ ...p, metrics });
    byFamily.set(p.family, list);
  };
  for (const s of sweeps)
    for (const p of s.points) add({ ...p, family: s.family });
  for (const s of sweeps.filter((x) => fresh && x.family === "kubewise"))
    for (const p of s.points)
      add({
        ...p,
        name: pointName(FRESH_FAMILY, p.knob, p.isDefault),
        family: FRESH_FAMILY,
      });
  for (const q of HINDSIGHT_QUANTILES)
    add({
      family: HINDSIGHT_FAMILY,
      name: `${HINDSIGHT_FAMILY}@q${q}`,
      knob: `q${q}`,
      isDefault: false,
    });
  return byFamily;
}

const f = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined ? "-" : v.toFixed(digits);
const r = (v: number | null, digits = 4): number | null =>
  v === null ? null : Number(v.toFixed(digits));

function comparisonTable(
  title: string,
  rows: MatchedComparison[],
  columns: { safety: string; value: string; bound?: boolean },
): string {
  const header = [
    "baseline point",
    columns.safety,
    columns.value,
    `kubewise ${columns.value}`,
    ...(columns.bound ? [`bound ${columns.value}`] : []),
    "kubewise on/below",
  ];
  const lines = rows.map((c) => [
    `${c.baseline}${c.isDefault ? " (default)" : ""}`,
    f(c.safety, 4),
    f(c.baselineValue),
    f(c.kubewiseValue),
    ...(columns.bound ? [f(c.boundValue)] : []),
    c.kubewiseOnOrBelow === null
      ? "out of range"
      : c.kubewiseOnOrBelow
        ? "yes"
        : "NO",
  ]);
  return markdownTable(title, header, lines);
}

function markdownTable(
  title: string,
  header: string[],
  lines: string[][],
): string {
  return [
    `### ${title}`,
    "",
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...lines.map((l) => `| ${l.join(" | ")} |`),
    "",
  ].join("\n");
}

function pointsTable(byFamily: Map<string, FrontierPoint[]>): string {
  const header = [
    "policy",
    "knob",
    "mem_slack",
    "oom_free_days",
    "cpu_slack",
    "cpu_under",
    "cost_ratio",
    "changes/day",
  ];
  const lines = [...byFamily.values()].flat().map((p) => {
    const m: PolicyMetrics = p.metrics;
    return [
      p.family,
      `${p.knob}${p.isDefault ? " (default)" : ""}`,
      f(m.mem_slack),
      f(m.oom_free_days, 4),
      f(m.cpu_slack),
      f(m.cpu_under, 4),
      f(m.cost_ratio),
      f(m.changes_per_day),
    ];
  });
  return markdownTable("Every swept point", header, lines);
}

function chartSeries(
  byFamily: Map<string, FrontierPoint[]>,
  axis: Axis,
  families: string[],
): ChartSeries[] {
  return families.flatMap((family) => {
    const points = (byFamily.get(family) ?? []).flatMap((p) => {
      const x = p.metrics[axis.x];
      const y = p.metrics[axis.y];
      return x === null || y === null
        ? []
        : [{ x, y, isDefault: p.isDefault, label: p.knob }];
    });
    return points.length > 0 ? [{ name: family, points }] : [];
  });
}

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const workers = positiveInteger("workers", args.workers);
  const kubewise = !args["baselines-only"];
  const { series: all } = await loadSeriesArgs({
    traces: args.traces,
    limit: args.limit,
  });
  const every =
    args.every === undefined ? 1 : positiveInteger("every", args.every);
  const series = all.filter((_, i) => i % every === 0);
  log(
    `${series.length} series${every > 1 ? ` (every ${every}th)` : ""}; sweeping ${BASELINE_FAMILIES.join(", ")}${kubewise ? ", kubewise" : ""} and the hindsight static bound`,
  );
  const started = performance.now();
  const fresh = kubewise && args.fresh;
  const outDir = resolve(invocationDir, args.out);
  const cache = openBaselineCache(
    resolve(invocationDir, args.cache ?? resolve(outDir, "cache")),
  );
  log(`baseline cache: ${cache.dir}${args.rescore ? " (rescoring)" : ""}`);
  const rule = parseRule(args.rule);
  if (rule) log(`publication rule: ${JSON.stringify(rule)}`);
  const merged = await scoreAll(series, {
    workers,
    kubewise,
    fresh,
    ...(rule ? { rule } : {}),
    cache: args.rescore
      ? { ...cache, get: () => Promise.resolve(null) }
      : cache,
  });
  const byFamily = frontierPoints(merged, buildSweeps({ kubewise }), fresh);
  const baselines = BASELINE_FAMILIES.flatMap((f) => byFamily.get(f) ?? []);
  const kw = byFamily.get("kubewise") ?? [];
  const bound = byFamily.get(HINDSIGHT_FAMILY) ?? [];
  const memory = compareAtMatchedSafety({
    baselines,
    kubewise: kw,
    bound,
    axis: MEMORY_AXIS,
  });
  const cpu = compareAtMatchedSafety({
    baselines,
    kubewise: kw,
    axis: CPU_AXIS,
  });
  const cost = compareAtMatchedSafety({
    baselines,
    kubewise: kw,
    axis: COST_AXIS,
  });
  const confidence = confidenceReport(merged.kubewiseDays);
  const kwDefault = kw.find((p) => p.isDefault);

  await mkdir(outDir, { recursive: true });
  const families = [
    ...BASELINE_FAMILIES,
    "kubewise",
    ...(fresh ? [FRESH_FAMILY] : []),
  ];
  const charts = {
    "memory.svg": renderChart({
      title: "Memory: slack vs OOM-free days",
      xLabel: "oom_free_days (higher is safer)",
      yLabel: "mem_slack (lower is better)",
      series: chartSeries(byFamily, MEMORY_AXIS, [
        ...families,
        HINDSIGHT_FAMILY,
      ]),
    }),
    "cpu.svg": renderChart({
      title: "CPU: slack vs under-provisioned samples",
      xLabel: "cpu_under (lower is safer)",
      yLabel: "cpu_slack (lower is better)",
      series: chartSeries(byFamily, CPU_AXIS, families),
    }),
    "cost.svg": renderChart({
      title: "Cost vs OOM-free days",
      xLabel: "oom_free_days (higher is safer)",
      yLabel: "cost_ratio (requests / provisioned)",
      series: chartSeries(byFamily, COST_AXIS, families),
    }),
  };
  for (const [name, svg] of Object.entries(charts))
    await writeFile(resolve(outDir, name), svg);
  const coverage = confidence.risk_coverage
    .map(
      (c) =>
        `| ${c.threshold} | ${f(c.hold_rate, 4)} | ${f(c.coverage)} | ${f(c.savings_share)} |`,
    )
    .join("\n");
  const markdown = [
    `# bench:frontier (${merged.series} series, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
    "",
    "Charts: memory.svg, cpu.svg, cost.svg. Kubewise values are interpolated along its Pareto frontier at each baseline point's own safety; `out of range` means Kubewise's sweep does not reach that safety.",
    "",
    comparisonTable("Memory slack at the baseline's OOM-free days", memory, {
      safety: "oom_free_days",
      value: "mem_slack",
      bound: true,
    }),
    comparisonTable("CPU slack at the baseline's cpu_under", cpu, {
      safety: "cpu_under",
      value: "cpu_slack",
    }),
    comparisonTable("Cost at the baseline's OOM-free days", cost, {
      safety: "oom_free_days",
      value: "cost_ratio",
    }),
    `### Confidence of the default Kubewise point (${confidence.outcomes} judged series-days, ${confidence.distinct_values} distinct values)`,
    "",
    `ECE ${f(confidence.ece, 4)}, AUC ${f(confidence.auc)}, Brier skill ${f(confidence.brier_skill)}, changes/day ${f(kwDefault?.metrics.changes_per_day ?? null)}`,
    "",
    "| threshold | hold rate | coverage | savings share |",
    "|---|---|---|---|",
    coverage,
    "",
    pointsTable(byFamily),
  ].join("\n");
  await writeFile(resolve(outDir, "frontier.md"), markdown);
  process.stdout.write(`${markdown}\n`);
  log(`wrote memory.svg, cpu.svg, cost.svg and frontier.md to ${outDir}`);

  const json = {
    memory: Object.fromEntries(
      memory.map((c) => [
        c.baseline,
        {
          safety: r(c.safety),
          slack: r(c.baselineValue),
          kubewise_slack: r(c.kubewiseValue),
          bound_slack: r(c.boundValue),
        },
      ]),
    ),
    cpu: Object.fromEntries(
      cpu.map((c) => [
        c.baseline,
        {
          under: r(c.safety),
          slack: r(c.baselineValue),
          kubewise_slack: r(c.kubewiseValue),
        },
      ]),
    ),
    cost: Object.fromEntries(
      cost.map((c) => [
        c.baseline,
        {
          safety: r(c.safety),
          cost: r(c.baselineValue),
          kubewise_cost: r(c.kubewiseValue),
        },
      ]),
    ),
    confidence: {
      ece: r(confidence.ece),
      brier_skill: r(confidence.brier_skill),
      auc: r(confidence.auc),
      risk_coverage: confidence.risk_coverage.map((c) => ({
        threshold: c.threshold,
        hold_rate: r(c.hold_rate),
        coverage: r(c.coverage),
        savings_share: r(c.savings_share),
      })),
    },
    changes_per_day: r(kwDefault?.metrics.changes_per_day ?? null),
    series: merged.series,
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:frontier failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
