import {
  parseFlatKeyed,
  parseSingleValue,
  requireKey,
  type Parsed,
} from "./cgroup-parse";

/** Raw cumulative counters and gauges of one container cgroup. */
export type CgroupCounters = {
  cpuUsageSeconds: number;
  throttledPeriods: number;
  /** Elapsed CFS periods (nr_periods); null when the source does not report them. */
  periods: number | null;
  throttledSeconds: number;
  memoryUsageBytes: number;
  inactiveFileBytes: number;
  rssBytes: number;
  memoryLimitBytes: number | null;
  oomKills: number;
};

/** File name -> contents; a missing key or undefined value means the file could not be read. */
export type CgroupFiles = Readonly<Record<string, string | undefined>>;

export const V2_FILES = [
  "cpu.stat",
  "memory.current",
  "memory.stat",
  "memory.max",
  "memory.events",
] as const;

/** v1 files, each relative to its controller hierarchy (cpuacct, cpu, memory). */
export const V1_FILES = [
  ["cpuacct", "cpuacct.usage"],
  ["cpu", "cpu.stat"],
  ["memory", "memory.usage_in_bytes"],
  ["memory", "memory.stat"],
  ["memory", "memory.limit_in_bytes"],
  ["memory", "memory.oom_control"],
] as const;

const V2_CPU_KEYS = [
  "usage_usec",
  "nr_periods",
  "nr_throttled",
  "throttled_usec",
];
const V2_MEM_KEYS = ["anon", "inactive_file"];
const V1_CPU_KEYS = ["nr_periods", "nr_throttled", "throttled_time"];
const V1_MEM_KEYS = [
  "total_inactive_file",
  "inactive_file",
  "total_rss",
  "rss",
];
const OOM_KEYS = ["oom_kill"];
const USEC_PER_S = 1e6;
const NSEC_PER_S = 1e9;

type Fields = Record<keyof CgroupCounters, Parsed<number | null>>;

const COUNTER_KEYS = [
  "cpuUsageSeconds",
  "throttledPeriods",
  "periods",
  "throttledSeconds",
  "memoryUsageBytes",
  "inactiveFileBytes",
  "rssBytes",
  "memoryLimitBytes",
  "oomKills",
] as const satisfies readonly (keyof CgroupCounters)[];

function collectFields(fields: Fields): Parsed<CgroupCounters> {
  const out = {} as Record<keyof CgroupCounters, number | null>;
  for (const key of COUNTER_KEYS) {
    const parsed = fields[key];
    if (!parsed.ok) return parsed;
    if (
      parsed.value === null &&
      key !== "memoryLimitBytes" &&
      key !== "periods"
    )
      return { ok: false, reason: "malformed", detail: `${key} is "max"` };
    out[key] = parsed.value;
  }
  // Every field but memoryLimitBytes and periods was checked non-null above.
  return { ok: true, value: out as CgroupCounters };
}

function scaled(parsed: Parsed<number>, divisor: number): Parsed<number> {
  return parsed.ok ? { ok: true, value: parsed.value / divisor } : parsed;
}

function optionalKey(
  parsed: Parsed<Map<string, number>>,
  key: string,
): Parsed<number> {
  if (!parsed.ok)
    return parsed.reason === "missing" ? { ok: true, value: 0 } : parsed;
  return { ok: true, value: parsed.value.get(key) ?? 0 };
}

function chain<T, U>(
  parsed: Parsed<T>,
  next: (value: T) => Parsed<U>,
): Parsed<U> {
  return parsed.ok ? next(parsed.value) : parsed;
}

export function parseV2Counters(files: CgroupFiles): Parsed<CgroupCounters> {
  const cpu = parseFlatKeyed(files["cpu.stat"], "cpu.stat", V2_CPU_KEYS);
  const mem = parseFlatKeyed(files["memory.stat"], "memory.stat", V2_MEM_KEYS);
  const limit = parseSingleValue(files["memory.max"], "memory.max");
  return collectFields({
    cpuUsageSeconds: scaled(
      chain(cpu, (m) => requireKey(m, "usage_usec", "cpu.stat")),
      USEC_PER_S,
    ),
    throttledPeriods: optionalKey(cpu, "nr_throttled"),
    // Absent without the cpu controller (no CFS quota, so never throttled): 0 periods.
    periods: optionalKey(cpu, "nr_periods"),
    throttledSeconds: scaled(optionalKey(cpu, "throttled_usec"), USEC_PER_S),
    memoryUsageBytes: parseSingleValue(
      files["memory.current"],
      "memory.current",
    ),
    inactiveFileBytes: chain(mem, (m) =>
      requireKey(m, "inactive_file", "memory.stat"),
    ),
    rssBytes: chain(mem, (m) => requireKey(m, "anon", "memory.stat")),
    // The root cgroup has no memory.max: treat as unlimited.
    memoryLimitBytes:
      limit.ok || limit.reason === "malformed"
        ? limit
        : { ok: true, value: null },
    oomKills: optionalKey(
      parseFlatKeyed(files["memory.events"], "memory.events", OOM_KEYS),
      "oom_kill",
    ),
  });
}

function statKey(m: Map<string, number>, key: string): Parsed<number> {
  // Hierarchical totals (total_*) include child cgroups; fall back to the local value.
  const total = m.get(`total_${key}`);
  return total === undefined
    ? requireKey(m, key, "memory.stat")
    : { ok: true, value: total };
}

export function parseV1Counters(files: CgroupFiles): Parsed<CgroupCounters> {
  const cpu = parseFlatKeyed(files["cpu.stat"], "cpu.stat", V1_CPU_KEYS);
  const mem = parseFlatKeyed(files["memory.stat"], "memory.stat", V1_MEM_KEYS);
  return collectFields({
    cpuUsageSeconds: scaled(
      chain(parseSingleValue(files["cpuacct.usage"], "cpuacct.usage"), (v) =>
        v === null
          ? { ok: false, reason: "malformed", detail: "cpuacct.usage" }
          : { ok: true, value: v },
      ),
      NSEC_PER_S,
    ),
    throttledPeriods: optionalKey(cpu, "nr_throttled"),
    // Absent without the cpu controller (no CFS quota, so never throttled): 0 periods.
    periods: optionalKey(cpu, "nr_periods"),
    throttledSeconds: scaled(optionalKey(cpu, "throttled_time"), NSEC_PER_S),
    memoryUsageBytes: parseSingleValue(
      files["memory.usage_in_bytes"],
      "memory.usage_in_bytes",
    ),
    inactiveFileBytes: chain(mem, (m) => statKey(m, "inactive_file")),
    rssBytes: chain(mem, (m) => statKey(m, "rss")),
    memoryLimitBytes: parseSingleValue(
      files["memory.limit_in_bytes"],
      "memory.limit_in_bytes",
    ),
    // oom_kill appears in memory.oom_control since Linux 4.13.
    oomKills: optionalKey(
      parseFlatKeyed(
        files["memory.oom_control"],
        "memory.oom_control",
        OOM_KEYS,
      ),
      "oom_kill",
    ),
  });
}

function counterDelta(previous: number, current: number): number {
  // A smaller value means the cgroup was recreated (container restart): count from zero.
  return current >= previous ? current - previous : current;
}

export type CounterDeltas = {
  cpuUsageCores: number;
  cpuThrottledPeriods: number;
  /** undefined when the source does not report nr_periods */
  cpuPeriods: number | undefined;
  cpuThrottledSeconds: number;
  memoryWorkingSetBytes: number;
  memoryRssBytes: number;
  memoryLimitBytes: number;
  oomKillCount: number;
};

/** Turns two readings `elapsedSeconds` apart into rates, deltas and gauges. */
export function toCounterDeltas(
  previous: CgroupCounters,
  current: CgroupCounters,
  elapsedSeconds: number,
): CounterDeltas {
  const cpuSeconds = counterDelta(
    previous.cpuUsageSeconds,
    current.cpuUsageSeconds,
  );
  return {
    cpuUsageCores: elapsedSeconds > 0 ? cpuSeconds / elapsedSeconds : 0,
    cpuThrottledPeriods: counterDelta(
      previous.throttledPeriods,
      current.throttledPeriods,
    ),
    cpuPeriods:
      previous.periods === null || current.periods === null
        ? undefined
        : counterDelta(previous.periods, current.periods),
    cpuThrottledSeconds: counterDelta(
      previous.throttledSeconds,
      current.throttledSeconds,
    ),
    memoryWorkingSetBytes: Math.max(
      0,
      current.memoryUsageBytes - current.inactiveFileBytes,
    ),
    memoryRssBytes: current.rssBytes,
    memoryLimitBytes: current.memoryLimitBytes ?? 0,
    oomKillCount: counterDelta(previous.oomKills, current.oomKills),
  };
}
