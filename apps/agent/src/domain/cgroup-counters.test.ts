import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  parseV1Counters,
  parseV2Counters,
  toCounterDeltas,
  type CgroupCounters,
  type CgroupFiles,
} from "./cgroup-counters";

function loadFixture(dir: string): Record<string, string> {
  const root = join(import.meta.dirname, "__fixtures__", dir);
  return Object.fromEntries(
    readdirSync(root).map((name) => [
      name,
      readFileSync(join(root, name), "latin1"),
    ]),
  );
}

const v2 = loadFixture("cgroup-v2");
const v1 = loadFixture("cgroup-v1");

describe("parseV2Counters", () => {
  it("reads every counter from real-format cgroup v2 files", () => {
    expect(parseV2Counters(v2)).toEqual({
      ok: true,
      value: {
        cpuUsageSeconds: 8323.529185,
        throttledPeriods: 2211,
        periods: 123481,
        throttledSeconds: 97.320831,
        memoryUsageBytes: 315604992,
        inactiveFileBytes: 74567680,
        rssBytes: 201428992,
        memoryLimitBytes: 536870912,
        oomKills: 2,
      },
    });
  });

  it.each<[string, CgroupFiles, string]>([
    ["cpu.stat vanished", { ...v2, "cpu.stat": undefined }, "missing"],
    [
      "memory.current vanished",
      { ...v2, "memory.current": undefined },
      "missing",
    ],
    [
      "memory.stat truncated before inactive_file",
      { ...v2, "memory.stat": "anon 1\nfile 2\n" },
      "malformed",
    ],
    ["memory.current empty", { ...v2, "memory.current": "" }, "malformed"],
    [
      "cpu.stat garbage",
      { ...v2, "cpu.stat": "usage_usec abc\n" },
      "malformed",
    ],
  ])(
    "returns a typed %s result instead of throwing",
    (_name, files, reason) => {
      const parsed = parseV2Counters(files);
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? undefined : parsed.reason).toBe(reason);
    },
  );

  it("reads 0 periods and 0 throttling when cpu.stat has no CFS lines (cpu controller off)", () => {
    const parsed = parseV2Counters({
      ...v2,
      "cpu.stat": "usage_usec 10\nuser_usec 5\nsystem_usec 5\n",
    });
    expect(
      parsed.ok && [parsed.value.periods, parsed.value.throttledPeriods],
    ).toEqual([0, 0]);
  });

  it.each<[string, CgroupFiles, number | null, number]>([
    [
      "memory.max = max is unlimited",
      { ...v2, "memory.max": "max\n" },
      null,
      2,
    ],
    [
      "root cgroup without memory.max/events",
      { ...v2, "memory.max": undefined, "memory.events": undefined },
      null,
      0,
    ],
  ])("handles %s", (_name, files, limit, ooms) => {
    const parsed = parseV2Counters(files);
    expect(parsed.ok && parsed.value.memoryLimitBytes).toBe(limit);
    expect(parsed.ok && parsed.value.oomKills).toBe(ooms);
  });
});

describe("parseV1Counters", () => {
  it("reads every counter from real cgroup v1 files", () => {
    expect(parseV1Counters(v1)).toEqual({
      ok: true,
      value: {
        cpuUsageSeconds: 796.216188993,
        throttledPeriods: 312,
        periods: 4571,
        throttledSeconds: 18.734,
        memoryUsageBytes: 4116480,
        inactiveFileBytes: 126976,
        rssBytes: 2134016,
        memoryLimitBytes: null,
        oomKills: 0,
      },
    });
  });

  it.each<[string, CgroupFiles, string]>([
    [
      "cpuacct.usage vanished",
      { ...v1, "cpuacct.usage": undefined },
      "missing",
    ],
    [
      "memory.usage_in_bytes truncated",
      { ...v1, "memory.usage_in_bytes": "41x" },
      "malformed",
    ],
    ["memory.stat empty", { ...v1, "memory.stat": "" }, "malformed"],
  ])("returns a typed %s result", (_name, files, reason) => {
    const parsed = parseV1Counters(files);
    expect(parsed.ok ? undefined : parsed.reason).toBe(reason);
  });

  it("treats a missing oom_kill line (kernel < 4.13) as zero kills", () => {
    const parsed = parseV1Counters({
      ...v1,
      "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n",
    });
    expect(parsed.ok && parsed.value.oomKills).toBe(0);
  });
});

const base: CgroupCounters = {
  cpuUsageSeconds: 100,
  throttledPeriods: 10,
  periods: 100,
  throttledSeconds: 1,
  memoryUsageBytes: 1000,
  inactiveFileBytes: 200,
  rssBytes: 600,
  memoryLimitBytes: null,
  oomKills: 1,
};

describe("toCounterDeltas", () => {
  it.each<
    [
      string,
      Partial<CgroupCounters>,
      number,
      Partial<ReturnType<typeof toCounterDeltas>>,
    ]
  >([
    [
      "cpu rate from cumulative counters",
      { cpuUsageSeconds: 105 },
      10,
      { cpuUsageCores: 0.5 },
    ],
    [
      "working set = usage - inactive_file",
      { memoryUsageBytes: 5000, inactiveFileBytes: 1500 },
      10,
      { memoryWorkingSetBytes: 3500 },
    ],
    [
      "working set never negative",
      { memoryUsageBytes: 100, inactiveFileBytes: 500 },
      10,
      { memoryWorkingSetBytes: 0 },
    ],
    [
      "throttling deltas",
      { throttledPeriods: 15, throttledSeconds: 1.5 },
      10,
      { cpuThrottledPeriods: 5, cpuThrottledSeconds: 0.5 },
    ],
    ["CFS periods delta", { periods: 150 }, 10, { cpuPeriods: 50 }],
    ["periods reset after restart", { periods: 7 }, 10, { cpuPeriods: 7 }],
    [
      "unknown periods (kubelet source)",
      { periods: null },
      10,
      { cpuPeriods: undefined },
    ],
    ["new OOM kills", { oomKills: 3 }, 10, { oomKillCount: 2 }],
    [
      "counter reset after restart counts from zero",
      { cpuUsageSeconds: 2, oomKills: 0 },
      10,
      { cpuUsageCores: 0.2, oomKillCount: 0 },
    ],
    [
      "unlimited memory is 0",
      { memoryLimitBytes: null },
      10,
      { memoryLimitBytes: 0 },
    ],
  ])("computes %s", (_name, change, elapsed, expected) => {
    expect(
      toCounterDeltas(base, { ...base, ...change }, elapsed),
    ).toMatchObject(expected);
  });

  it("never yields negative or non-finite values for monotone or reset counters", () => {
    const counters = fc.record({
      cpuUsageSeconds: fc.double({ min: 0, max: 1e9, noNaN: true }),
      throttledPeriods: fc.nat(),
      periods: fc.option(fc.nat(), { nil: null }),
      throttledSeconds: fc.double({ min: 0, max: 1e9, noNaN: true }),
      memoryUsageBytes: fc.nat(),
      inactiveFileBytes: fc.nat(),
      rssBytes: fc.nat(),
      memoryLimitBytes: fc.option(fc.nat(), { nil: null }),
      oomKills: fc.nat(),
    });
    fc.assert(
      fc.property(
        counters,
        counters,
        fc.double({ min: 0.001, max: 3600, noNaN: true }),
        (a, b, elapsed) => {
          const { cpuPeriods, ...rest } = toCounterDeltas(a, b, elapsed);
          expect(cpuPeriods === undefined).toBe(
            a.periods === null || b.periods === null,
          );
          for (const value of [...Object.values(rest), cpuPeriods ?? 0]) {
            expect(Number.isFinite(value) && value >= 0).toBe(true);
          }
        },
      ),
    );
  });
});
