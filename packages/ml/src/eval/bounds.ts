// Reference bounds for `bench:bounds`: policies that know the scored day (clairvoyant) or a series'
// whole future (hindsight). No product can run them; they show what the metric definitions allow on a
// trace folder, and they are scored by exactly the harness code that scores the real policies.
import type {
  Recommendation,
  Recommender,
  ResourceValues,
  TimeWindow,
} from "../recommender";
import { quantileSorted } from "../stats/quantile";
import type { TraceSeries } from "../traces/series-builder";
import { utcDayAndHour } from "./in-force";
import type { PolicyEntry } from "./walk-forward";
import { dayBoundaries } from "./walk-forward";

type BoundMemory =
  /** Each window's own peak that day, times `factor`. */
  | { kind: "day-peak"; factor: number }
  /**
   * Each window's own peak, except on the `fraction` of the series' days where that costs the most
   * slack: there the limit is the window's p95 (an OOM day with zero slack). The best a clairvoyant
   * policy can do when it may spend an OOM-day budget.
   */
  | { kind: "day-peak-sacrifice"; fraction: number }
  /** One limit per window for the whole series: the q-quantile over its days of that window's peak. */
  | { kind: "series-peak-quantile"; q: number };

type BoundCpu =
  /** Each window's own CPU q-quantile that day. */
  | { kind: "day-quantile"; q: number }
  /** One request per window for the whole series: the q-quantile of all its samples in that window. */
  | { kind: "series-quantile"; q: number };

export type BoundSpec = {
  name: string;
  /** One line for the legend under the table. */
  describe: string;
  /** Hours per UTC window, dividing 24: 24 = one value per day, 4 = six 4-hour windows. */
  windowHours: number;
  memory: BoundMemory;
  cpu: BoundCpu;
};

type WindowStats = {
  memSorted: Float64Array;
  cpuSorted: Float64Array;
};

type DayStats = { dayStartS: number; windows: WindowStats[] };

function windowCount(spec: BoundSpec): number {
  const n = 24 / spec.windowHours;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`windowHours must divide 24, got ${spec.windowHours}`);
  return n;
}

function sorted(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Per scored day (the walk-forward's own day boundaries), the valid samples of each UTC window. */
function collectDayStats(series: TraceSeries, windowHours: number): DayStats[] {
  const { dayStartsS, bounds } = dayBoundaries(series);
  return dayStartsS.map((dayStartS, k) => ({
    dayStartS,
    windows: windowSamples(series, {
      windowHours,
      start: bounds[k] ?? 0,
      end: bounds[k + 1] ?? 0,
    }),
  }));
}

function windowSamples(
  series: TraceSeries,
  range: { windowHours: number; start: number; end: number },
): WindowStats[] {
  const windows = 24 / range.windowHours;
  const mem = Array.from({ length: windows }, (): number[] => []);
  const cpu = Array.from({ length: windows }, (): number[] => []);
  for (let i = range.start; i < range.end; i++) {
    const { hour } = utcDayAndHour(series.timestampsS[i] ?? 0);
    const w = Math.floor(hour / range.windowHours);
    const m = series.mem[i] ?? Number.NaN;
    const c = series.cpu[i] ?? Number.NaN;
    if (Number.isFinite(m)) mem[w]?.push(m);
    if (Number.isFinite(c)) cpu[w]?.push(c);
  }
  return mem.map((m, w) => ({
    memSorted: sorted(m),
    cpuSorted: sorted(cpu[w] ?? []),
  }));
}

const peakOf = (s: Float64Array): number => s[s.length - 1] ?? Number.NaN;

/** Slack of a day when every window's limit is its own peak (sample-weighted like the harness). */
function slackAtPeaks(day: DayStats): number {
  let weighted = 0;
  let n = 0;
  for (const { memSorted } of day.windows) {
    const peak = peakOf(memSorted);
    if (!(peak > 0)) continue;
    weighted +=
      memSorted.length * ((peak - quantileSorted(memSorted, 0.95)) / peak);
    n += memSorted.length;
  }
  return n === 0 ? 0 : weighted / n;
}

/** Indices of the `fraction` of days with the highest slack at their peaks (rounded down). */
function sacrificedDays(days: DayStats[], fraction: number): Set<number> {
  const order = days
    .map((day, k) => ({ k, slack: slackAtPeaks(day) }))
    .sort((a, b) => b.slack - a.slack);
  const count = Math.floor(fraction * days.length);
  return new Set(order.slice(0, count).map((d) => d.k));
}

/** Per window, the q-quantile of `pick`'s values over all days at once (hindsight). */
function seriesLevel(
  days: DayStats[],
  windows: number,
  rule: { pick: (w: WindowStats) => Iterable<number>; q: number },
): number[] {
  return Array.from({ length: windows }, (_, w) => {
    const values: number[] = [];
    for (const day of days) {
      const stats = day.windows[w];
      if (stats) for (const v of rule.pick(stats)) values.push(v);
    }
    return quantileSorted(sorted(values), rule.q);
  });
}

type Planner = (day: DayStats, k: number, w: number) => number;

function memoryPlanner(
  memory: BoundMemory,
  days: DayStats[],
  windows: number,
): Planner {
  switch (memory.kind) {
    case "day-peak":
      return (day, _k, w) =>
        peakOf(day.windows[w]?.memSorted ?? new Float64Array()) * memory.factor;
    case "day-peak-sacrifice": {
      const sacrificed = sacrificedDays(days, memory.fraction);
      return (day, k, w) => {
        const s = day.windows[w]?.memSorted ?? new Float64Array();
        return sacrificed.has(k) ? quantileSorted(s, 0.95) : peakOf(s);
      };
    }
    case "series-peak-quantile": {
      const perWindow = seriesLevel(days, windows, {
        pick: (x) => (x.memSorted.length > 0 ? [peakOf(x.memSorted)] : []),
        q: memory.q,
      });
      return (_day, _k, w) => perWindow[w] ?? Number.NaN;
    }
  }
}

function cpuPlanner(cpu: BoundCpu, days: DayStats[], windows: number): Planner {
  if (cpu.kind === "day-quantile")
    return (day, _k, w) =>
      quantileSorted(day.windows[w]?.cpuSorted ?? new Float64Array(), cpu.q);
  const perWindow = seriesLevel(days, windows, {
    pick: (x) => x.cpuSorted,
    q: cpu.q,
  });
  return (_day, _k, w) => perWindow[w] ?? Number.NaN;
}

// A window without readings of a resource gets 0 for it: nothing is scored against the value, and the
// cost column stays a number.
function valuesFor(memBytes: number, cpuCores: number): ResourceValues {
  const orZero = (v: number): number => (Number.isFinite(v) ? v : 0);
  return {
    cpuRequestCores: orZero(cpuCores),
    cpuLimitCores: null,
    memRequestBytes: orZero(memBytes),
    memLimitBytes: orZero(memBytes),
  };
}

/** The bound's recommendation for every scored day of `series`, keyed by the day's start. */
export function planBound(
  series: TraceSeries,
  spec: BoundSpec,
): Map<number, Recommendation> {
  const windows = windowCount(spec);
  const days = collectDayStats(series, spec.windowHours);
  const mem = memoryPlanner(spec.memory, days, windows);
  const cpu = cpuPlanner(spec.cpu, days, windows);
  const plans = new Map<number, Recommendation>();
  days.forEach((day, k) => {
    const perWindow = Array.from({ length: windows }, (_, w) =>
      valuesFor(mem(day, k, w), cpu(day, k, w)),
    );
    const base = perWindow[0] ?? valuesFor(Number.NaN, Number.NaN);
    plans.set(day.dayStartS, {
      base,
      windows:
        windows === 1
          ? []
          : perWindow.map((values, w) => ({
              window: utcWindow(w, spec.windowHours),
              values,
            })),
      confidence: null,
    });
  });
  return plans;
}

function utcWindow(w: number, hours: number): TimeWindow {
  const start = w * hours;
  return {
    name: `utc-${start}-${start + hours}`,
    days: "all",
    startHourUtc: start,
    endHourUtc: start + hours,
  };
}

/** Harness policies replaying each bound for one series (they read the series they are built from). */
export function boundPolicies(
  series: TraceSeries,
  specs: readonly BoundSpec[],
): PolicyEntry[] {
  return specs.map((spec) => {
    const plans = planBound(series, spec);
    const recommender: Recommender = {
      name: spec.name,
      start: () => ({
        observe: () => undefined,
        recommend: (nowS) => {
          const recommendation = plans.get(nowS);
          return recommendation
            ? { kind: "ok", recommendation }
            : {
                kind: "insufficient-history",
                reason: "no scored day starts here",
                confidence: 0,
              };
        },
      }),
    };
    return { name: spec.name, recommender };
  });
}
