// bench:federated downstream: bench:recommend's metrics of the Kubewise recommender when its LSTM is
// each arm's model, frozen at the start of the test period, scored on the test days only.
import { PolicyAccumulator } from "../../src/eval/aggregate";
import type { PolicyMetrics } from "../../src/eval/aggregate";
import { evaluateSeries } from "../../src/eval/walk-forward";
import {
  buildKubewiseRecommender,
  KUBEWISE_DEFAULTS,
} from "../../src/kubewise/recommender";
import {
  createWeightsForecastFn,
  loadShippedModel,
} from "../../src/onnx/shipped-model";
import type { TraceSeries } from "../../src/traces/series-builder";
import { log } from "../script-io";
import type { Arm } from "./arms";
import { DAY_S, type BenchNode } from "./data";

// The recommender keeps 15 days of history: older samples cannot change a test-day recommendation.
const LEAD_IN_S = 16 * DAY_S;

function sliceFrom(series: TraceSeries, fromS: number): TraceSeries {
  let start = 0;
  while (
    start < series.timestampsS.length &&
    (series.timestampsS[start] ?? 0) < fromS
  )
    start++;
  const cut = (a: Float64Array) => a.subarray(start);
  return {
    ...series,
    timestampsS: cut(series.timestampsS),
    cpu: cut(series.cpu),
    mem: cut(series.mem),
    cpuRequest: cut(series.cpuRequest),
    cpuLimit: cut(series.cpuLimit),
    memRequest: cut(series.memRequest),
    memLimit: cut(series.memLimit),
  };
}

const round4 = (x: number | null): number | null =>
  x === null ? null : Math.round(x * 1e4) / 1e4;

/** Per arm (and per node group) mem_slack, oom_free_days, cpu_slack, cpu_under, cost_ratio. */
export function downstreamMetrics(run: {
  nodes: readonly BenchNode[];
  testFromS: number;
  frozen: Map<string, Arm["modelFor"]>;
}): Record<string, Record<string, PolicyMetrics & { series_days: number }>> {
  // Calibration maps of the shipped model for every arm: the comparison holds the policy fixed.
  const { metadata } = loadShippedModel({});
  const accumulators = new Map<string, PolicyAccumulator>();
  const names = ["central", "local", "fedavg", "fedprox"].filter((n) =>
    run.frozen.has(n),
  );
  const started = Date.now();
  run.nodes.forEach((node, index) => {
    const policies = names.map((name) => ({
      name,
      recommender: buildKubewiseRecommender({
        ...KUBEWISE_DEFAULTS,
        forecast: createWeightsForecastFn(
          run.frozen.get(name)?.(node) ?? missing(name),
        ),
        calibration: metadata.calibration,
      }),
    }));
    for (const member of node.members) {
      const series = sliceFrom(member.series, run.testFromS - LEAD_IN_S);
      for (const day of evaluateSeries(series, policies).days) {
        if (day.dayStartS < run.testFromS) continue;
        for (const group of [
          "all",
          node.heldBack ? "heldback_nodes" : "training_nodes",
        ]) {
          const key = `${day.policy}/${group}`;
          const acc = accumulators.get(key) ?? new PolicyAccumulator();
          acc.add(day);
          accumulators.set(key, acc);
        }
      }
    }
    log(
      `downstream: node ${index + 1}/${run.nodes.length} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
  });
  const out: Record<
    string,
    Record<string, PolicyMetrics & { series_days: number }>
  > = {};
  for (const [key, acc] of accumulators) {
    const [policy = "", group = ""] = key.split("/");
    const summary = acc.summary();
    const metrics = Object.fromEntries(
      Object.entries(summary.metrics).map(([k, v]) => [k, round4(v)]),
    ) as PolicyMetrics;
    (out[policy] ??= {})[group] = {
      ...metrics,
      series_days: summary.seriesDays,
    };
  }
  return out;
}

function missing(name: string): never {
  throw new Error(`no frozen model for ${name}`);
}
