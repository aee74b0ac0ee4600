// bench:federated data: training examples per series, non-IID nodes, walk-forward windows.
import { buildTrainingSamples } from "../../src/features/training-samples";
import type { TrainingSample } from "../../src/features/training-samples";
import { shuffleInPlace } from "../../src/forecast/seeded";
import { createRng } from "../../src/stats/rng";
import type { TraceSeries } from "../../src/traces/series-builder";

export const DAY_S = 86_400;

export type SeriesExamples = {
  seriesId: string;
  /** Sorted by nowS (the end of each example's 48 h input window). */
  examples: TrainingSample[];
  nowS: Float64Array;
  /** The 5-minute usage the examples came from (an agent rebuilds its examples from it). */
  series: TraceSeries;
};

export type BenchNode = {
  id: string;
  heldBack: boolean;
  members: SeriesExamples[];
};

/** Series a model can learn from: at most half of the memory readings missing (as in `npm run train`). */
export function isUsable(series: TraceSeries): boolean {
  return series.quality.missingMem < 0.5 * series.timestampsS.length;
}

export function buildSeriesExamples(
  series: TraceSeries,
  strideSlots: number,
): SeriesExamples {
  const examples = buildTrainingSamples(
    series.seriesId,
    {
      timestampsS: series.timestampsS,
      cpuCores: series.cpu,
      memBytes: series.mem,
    },
    strideSlots,
  );
  return {
    seriesId: series.seriesId,
    examples,
    nowS: Float64Array.from(examples, (e) => e.nowS),
    series,
  };
}

function firstAtOrAfter(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Examples whose input window ends in [fromS, toS). */
export function examplesIn(
  members: readonly SeriesExamples[],
  fromS: number,
  toS: number,
): TrainingSample[] {
  return members.flatMap((m) =>
    m.examples.slice(
      firstAtOrAfter(m.nowS, fromS),
      firstAtOrAfter(m.nowS, toS),
    ),
  );
}

function meanUtilisation(series: TraceSeries): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < series.cpu.length; i++) {
    const used = series.cpu[i] ?? Number.NaN;
    const request = series.cpuRequest[i] ?? Number.NaN;
    if (Number.isFinite(used) && request > 0) {
      sum += used / request;
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

/** A node's mean CPU utilisation (usage / request) over its series: what its agent knows of its pool. */
export function nodeUtilisation(node: BenchNode): number {
  const levels = node.members.map((m) => meanUtilisation(m.series));
  return levels.reduce((a, v) => a + v, 0) / Math.max(1, levels.length);
}

/**
 * Non-IID nodes like a real fleet's pools: series sorted by mean CPU utilisation (idle management
 * VMs together, busy ones together) and cut into nodes of `nodeSize`; a seeded `heldBackFraction`
 * of nodes never trains (they test the model on nodes it has not seen).
 */
export function partitionNodes(
  all: readonly SeriesExamples[],
  options: { nodeSize: number; heldBackFraction: number; seed: number },
): BenchNode[] {
  const sorted = [...all].sort(
    (a, b) =>
      meanUtilisation(a.series) - meanUtilisation(b.series) ||
      a.seriesId.localeCompare(b.seriesId),
  );
  const nodes: BenchNode[] = [];
  for (let from = 0; from < sorted.length; from += options.nodeSize) {
    nodes.push({
      id: `node-${String(nodes.length).padStart(2, "0")}`,
      heldBack: false,
      members: sorted.slice(from, from + options.nodeSize),
    });
  }
  const order = shuffleInPlace(
    nodes.map((_, i) => i),
    createRng(options.seed),
  );
  const heldBack = Math.max(
    1,
    Math.round(options.heldBackFraction * nodes.length),
  );
  for (const i of order.slice(0, heldBack)) {
    const node = nodes[i];
    if (node) node.heldBack = true;
  }
  return nodes;
}

/** Round start times: every `everyDays` from `firstDay` after the earliest example, up to the last. */
export function roundSchedule(
  nodes: readonly BenchNode[],
  options: { firstDay: number; everyDays: number },
): { startS: number; endS: number; roundsS: number[] } {
  let startS = Number.POSITIVE_INFINITY;
  let endS = Number.NEGATIVE_INFINITY;
  for (const node of nodes)
    for (const m of node.members) {
      startS = Math.min(startS, m.nowS[0] ?? startS);
      endS = Math.max(endS, m.nowS[m.nowS.length - 1] ?? endS);
    }
  // Round boundaries sit on whole days after the first input window ends.
  const origin = Math.floor(startS / DAY_S) * DAY_S;
  const roundsS: number[] = [];
  for (
    let t = origin + options.firstDay * DAY_S;
    t <= endS;
    t += options.everyDays * DAY_S
  )
    roundsS.push(t);
  return { startS: origin, endS, roundsS };
}
