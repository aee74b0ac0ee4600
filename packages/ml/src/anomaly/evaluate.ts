// Seeded evaluation of the anomaly detectors on real traces with injected, labelled leaks and spikes.
import { quantileOf } from "../stats/quantile";
import { createRng } from "../stats/rng";
import type { TraceSeries } from "../traces/series-builder";
import { CPU_SPIKE_DEFAULTS, CpuSpikeDetector } from "./cpu-spike";
import type { CpuSpikeConfig } from "./cpu-spike";
import { injectLeak, injectSpikes } from "./inject";
import type { SpikeLabel } from "./inject";
import { detectMemoryLeak } from "./memory-leak";
import { assessOomRisk } from "./oom-risk";

const DAY_S = 86400;
const HISTORY_S = 7 * DAY_S;
const EVAL_S = 2 * DAY_S;
const CHECK_EVERY_S = 3600;

export type DetectionCounts = {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  delaysS: number[];
};

export type AnomalyReport = {
  seriesUsed: number;
  leak: DetectorScore;
  spike: DetectorScore;
  oomRisk: DetectorScore;
};

export type DetectorScore = {
  precision: number | null;
  recall: number | null;
  /** Detection delay (s) for leaks/spikes; lead time before the crossing for OOM risk. */
  medianDelayS: number | null;
  p90DelayS: number | null;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
};

type Segment = {
  t: Float64Array;
  cpu: Float64Array;
  mem: Float64Array;
  limit: number;
  evalStartS: number;
  endS: number;
};

function emptyCounts(): DetectionCounts {
  return {
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    delaysS: [],
  };
}

export function toDetectorScore(c: DetectionCounts): DetectorScore {
  const flagged = c.truePositives + c.falsePositives;
  const actual = c.truePositives + c.falseNegatives;
  return {
    precision: flagged > 0 ? c.truePositives / flagged : null,
    recall: actual > 0 ? c.truePositives / actual : null,
    medianDelayS: c.delaysS.length > 0 ? quantileOf(c.delaysS, 0.5) : null,
    p90DelayS: c.delaysS.length > 0 ? quantileOf(c.delaysS, 0.9) : null,
    truePositives: c.truePositives,
    falsePositives: c.falsePositives,
    falseNegatives: c.falseNegatives,
  };
}

/** Series usable for injection: real units, a memory limit, <5 % missing memory, >= 9 days. */
function isEligible(s: TraceSeries): boolean {
  const n = s.timestampsS.length;
  const span = (s.timestampsS[n - 1] ?? 0) - (s.timestampsS[0] ?? 0);
  return (
    s.unitSystem === "real" &&
    n > 0 &&
    s.quality.missingMem / n < 0.05 &&
    span >= HISTORY_S + EVAL_S &&
    (s.memLimit[0] ?? 0) > 0
  );
}

function pickSegment(s: TraceSeries, rng: () => number): Segment {
  const t0 = s.timestampsS[0] ?? 0;
  const last = s.timestampsS[s.timestampsS.length - 1] ?? 0;
  const evalStartS =
    t0 + HISTORY_S + Math.floor(rng() * (last - t0 - HISTORY_S - EVAL_S));
  const from = s.timestampsS.findIndex((t) => t >= evalStartS - HISTORY_S);
  let to = s.timestampsS.findIndex((t) => t >= evalStartS + EVAL_S);
  if (to < 0) to = s.timestampsS.length;
  return {
    t: s.timestampsS.slice(from, to),
    cpu: s.cpu.slice(from, to),
    mem: s.mem.slice(from, to),
    limit: s.memLimit[from] ?? Number.NaN,
    evalStartS,
    endS: evalStartS + EVAL_S,
  };
}

/** First check time in the evaluation window at which the leak detector alarms, or null. */
function firstLeakAlarm(seg: Segment, mem: Float64Array): number | null {
  for (let now = seg.evalStartS; now < seg.endS; now += CHECK_EVERY_S) {
    const r = detectMemoryLeak({
      timestampsS: seg.t,
      memBytes: mem,
      memLimitBytes: seg.limit,
      nowS: now,
    });
    if (r.kind === "ok" && r.leak) return now;
  }
  return null;
}

function scoreLeak(
  counts: DetectionCounts,
  seg: Segment,
  injected: { mem: Float64Array; startS: number },
): void {
  if (firstLeakAlarm(seg, seg.mem) !== null) counts.falsePositives++;
  const alarm = firstLeakAlarm(seg, injected.mem);
  if (alarm !== null && alarm >= injected.startS) {
    counts.truePositives++;
    counts.delaysS.push(alarm - injected.startS);
  } else {
    if (alarm !== null) counts.falsePositives++;
    counts.falseNegatives++;
  }
}

/** Alarm events (runs of consecutive alarming samples) in the evaluation window. */
function spikeAlarms(
  seg: Segment,
  cpu: Float64Array,
  config: CpuSpikeConfig,
): { startS: number; endS: number }[] {
  const detector = new CpuSpikeDetector(config);
  const events: { startS: number; endS: number }[] = [];
  let open: { startS: number; endS: number } | null = null;
  for (let i = 0; i < seg.t.length; i++) {
    const t = seg.t[i] ?? 0;
    const v = detector.check(t, cpu[i] ?? Number.NaN);
    if (t < seg.evalStartS || !v.spike) {
      open = null;
      continue;
    }
    if (open === null) {
      open = { startS: t, endS: t };
      events.push(open);
    } else open.endS = t;
  }
  return events;
}

function scoreSpikes(
  counts: DetectionCounts,
  seg: Segment,
  injected: { cpu: Float64Array; labels: SpikeLabel[]; config: CpuSpikeConfig },
): void {
  counts.falsePositives += spikeAlarms(seg, seg.cpu, injected.config).length;
  const alarms = spikeAlarms(seg, injected.cpu, injected.config);
  const overlaps = (
    a: { startS: number; endS: number },
    l: SpikeLabel,
  ): boolean => a.startS <= l.endS && a.endS >= l.startS;
  for (const label of injected.labels) {
    const hit = alarms.find((a) => overlaps(a, label));
    if (hit) {
      counts.truePositives++;
      counts.delaysS.push(Math.max(0, hit.startS - label.startS));
    } else counts.falseNegatives++;
  }
  counts.falsePositives += alarms.filter(
    (a) => !injected.labels.some((l) => overlaps(a, l)),
  ).length;
}

/** Hourly checks: positive when memory actually exceeds the limit within the horizon; lead time = crossing - first alarm. */
function scoreOomRisk(
  counts: DetectionCounts,
  seg: Segment,
  mem: Float64Array,
): void {
  const horizonS = 6 * 3600;
  let firstAlarmS: number | null = null;
  let leadRecorded = false;
  for (let now = seg.evalStartS; now < seg.endS; now += CHECK_EVERY_S) {
    const r = assessOomRisk({
      timestampsS: seg.t,
      memBytes: mem,
      memLimitBytes: seg.limit,
      nowS: now,
    });
    if (r.kind !== "ok") continue;
    const crossingS = firstCrossing(seg, mem, {
      fromS: now,
      toS: now + horizonS,
    });
    if (r.atRisk) firstAlarmS ??= now;
    countOomCheck(counts, r.atRisk, crossingS);
    if (crossingS !== null && firstAlarmS !== null && !leadRecorded) {
      counts.delaysS.push(crossingS - firstAlarmS);
      leadRecorded = true;
    }
  }
}

function countOomCheck(
  counts: DetectionCounts,
  atRisk: boolean,
  crossingS: number | null,
): void {
  if (atRisk && crossingS !== null) counts.truePositives++;
  else if (atRisk) counts.falsePositives++;
  else if (crossingS !== null) counts.falseNegatives++;
}

function firstCrossing(
  seg: Segment,
  mem: Float64Array,
  range: { fromS: number; toS: number },
): number | null {
  for (let i = 0; i < seg.t.length; i++) {
    const t = seg.t[i] ?? 0;
    if (t > range.fromS && t <= range.toS && (mem[i] ?? 0) > seg.limit)
      return t;
  }
  return null;
}

export function evaluateAnomalyDetectors(
  series: TraceSeries[],
  options: {
    seed: number;
    maxSeries: number;
    onProgress?: (m: string) => void;
    cpuSpike?: CpuSpikeConfig;
  },
): AnomalyReport {
  const rng = createRng(options.seed);
  const eligible = series
    .filter(isEligible)
    .sort((a, b) => (a.seriesId < b.seriesId ? -1 : 1));
  const chosen = eligible
    .map((s) => ({ s, key: rng() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, options.maxSeries)
    .map((e) => e.s);
  const leak = emptyCounts();
  const spike = emptyCounts();
  const oom = emptyCounts();
  for (const [n, s] of chosen.entries()) {
    const seg = pickSegment(s, rng);
    const level = quantileOf(seg.mem, 0.5);
    const leakStartS = seg.evalStartS + rng() * (EVAL_S / 4);
    const fillS = (1 + rng() * 4) * DAY_S;
    const leakMem = injectLeak({
      timestampsS: seg.t,
      memBytes: seg.mem,
      startS: leakStartS,
      bytesPerS: Math.max(seg.limit - level, 0.1 * level) / fillS,
    });
    scoreLeak(leak, seg, { mem: leakMem, startS: leakStartS });
    scoreOomRisk(oom, seg, seg.mem);
    scoreOomRisk(oom, seg, leakMem);
    const p95 = quantileOf(seg.cpu, 0.95, {
      start: 0,
      end: seg.t.findIndex((t) => t >= seg.evalStartS),
    });
    const evalIndex = seg.t.findIndex((t) => t >= seg.evalStartS);
    const spikes = [0, 1, 2].map((k) => ({
      startIndex:
        evalIndex +
        Math.floor(((k + rng() * 0.8) * (seg.t.length - evalIndex)) / 3),
      length: 1 + Math.floor(rng() * 3),
      amount: Math.max(0.1, (2 + rng() * 3) * p95),
    }));
    scoreSpikes(spike, seg, {
      ...injectSpikes({ timestampsS: seg.t, cpu: seg.cpu, spikes }),
      config: options.cpuSpike ?? CPU_SPIKE_DEFAULTS,
    });
    options.onProgress?.(`anomaly: ${n + 1}/${chosen.length} ${s.seriesId}`);
  }
  return {
    seriesUsed: chosen.length,
    leak: toDetectorScore(leak),
    spike: toDetectorScore(spike),
    oomRisk: toDetectorScore(oom),
  };
}
