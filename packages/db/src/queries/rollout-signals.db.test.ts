import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  createTestCluster,
  createTestContainer,
  createTestDatabase,
  createTestWorkload,
  type TestDatabase,
} from "../testing";
import {
  queryRolloutSignals,
  type RolloutSignalsQuery,
} from "./rollout-signals";

const CHANGE = Date.parse("2026-11-20T12:00:00Z");
const at = (offsetSeconds: number) => new Date(CHANGE + offsetSeconds * 1000);
// 10 s samples: 100 CFS periods of 100 ms each.
const INTERVAL_SECONDS = 10;

type Row = {
  offsetSeconds: number;
  throttled: number;
  ooms?: number;
  /** nr_periods delta; absent = unknown (NULL). */
  periods?: number;
};

describe("queryRolloutSignals (real PostgreSQL)", () => {
  let t: TestDatabase;
  let clusterId: string;
  let workloadName: string;
  const ids: Record<string, string> = {};

  async function insert(containerName: string, rows: Row[]): Promise<void> {
    const containerId = ids[containerName];
    if (!containerId) throw new Error(`unknown container ${containerName}`);
    await t.sql`insert into metric_samples ${t.sql(
      rows.map((r) => ({
        ts: at(r.offsetSeconds),
        container_id: containerId,
        cpu_usage_cores: 0.5,
        cpu_throttled_periods: r.throttled,
        cpu_periods: r.periods ?? null,
        cpu_throttled_seconds: r.throttled * 0.01,
        memory_working_set_bytes: 2 ** 27,
        memory_rss_bytes: 2 ** 27,
        oom_kill_count: r.ooms ?? 0,
      })),
    )}`;
  }

  const query = (
    overrides: Partial<RolloutSignalsQuery> = {},
  ): RolloutSignalsQuery => ({
    clusterId,
    namespace: "shop",
    kind: "Deployment",
    name: workloadName,
    containerNames: ["app", "sidecar"],
    baseline: { from: at(-600), to: at(0) },
    observation: { from: at(0), to: at(300) },
    sampleIntervalSeconds: INTERVAL_SECONDS,
    ...overrides,
  });

  beforeAll(async () => {
    t = await createTestDatabase();
    const cluster = await createTestCluster(t.db);
    clusterId = cluster.id;
    const workload = await createTestWorkload(t.db, {
      clusterId,
      namespace: "shop",
      kind: "Deployment",
    });
    workloadName = workload.name;
    for (const name of ["app", "sidecar"]) {
      ids[name] = (
        await createTestContainer(t.db, { workloadId: workload.id, name })
      ).id;
    }
    // app: 5 % throttled before, 40 % after, one OOM kill after; two pods' rows share the id.
    await insert("app", [
      ...[-600, -500, -400, -300, -200, -100].map((s) => ({
        offsetSeconds: s,
        throttled: 5,
      })),
      { offsetSeconds: 10, throttled: 40 },
      { offsetSeconds: 10, throttled: 40, ooms: 1 },
      { offsetSeconds: 290, throttled: 40 },
      // outside both windows
      { offsetSeconds: 300, throttled: 100, ooms: 3 },
      { offsetSeconds: -601, throttled: 100 },
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("reports the throttling ratio and OOM kills of each window per container", async () => {
    const signals = await queryRolloutSignals(t.db, query());
    expect(signals).toEqual([
      {
        containerName: "app",
        baseline: {
          sampleCount: 6,
          throttledPeriods: 30,
          throttlingRatio: 0.05,
          oomKills: 0,
          workingSetPeakBytes: 2 ** 27,
        },
        observation: {
          sampleCount: 3,
          throttledPeriods: 120,
          throttlingRatio: 0.4,
          oomKills: 1,
          workingSetPeakBytes: 2 ** 27,
        },
      },
      {
        containerName: "sidecar",
        baseline: {
          sampleCount: 0,
          throttledPeriods: 0,
          throttlingRatio: undefined,
          oomKills: 0,
          workingSetPeakBytes: undefined,
        },
        observation: {
          sampleCount: 0,
          throttledPeriods: 0,
          throttlingRatio: undefined,
          oomKills: 0,
          workingSetPeakBytes: undefined,
        },
      },
    ]);
  });

  it.each([
    { what: "another namespace", overrides: { namespace: "other" } },
    { what: "another cluster", overrides: { clusterId: crypto.randomUUID() } },
    { what: "unknown containers", overrides: { containerNames: ["nope"] } },
    { what: "no containers", overrides: { containerNames: [] } },
  ])("returns nothing for $what", async ({ overrides }) => {
    expect(await queryRolloutSignals(t.db, query(overrides))).toEqual([]);
  });

  it.each([
    { overrides: { sampleIntervalSeconds: 0 }, error: /must be positive/ },
    {
      overrides: { observation: { from: at(10), to: at(9) } },
      error: /time range is empty/,
    },
  ])("rejects bad input: $error", async ({ overrides, error }) => {
    await expect(queryRolloutSignals(t.db, query(overrides))).rejects.toThrow(
      error,
    );
  });

  it.each([
    {
      what: "sum(throttled) / sum(periods) when every sample knows its periods",
      rows: [
        { offsetSeconds: 3000, throttled: 10, periods: 20 },
        { offsetSeconds: 3010, throttled: 5, periods: 30 },
      ],
      ratio: 15 / 50,
    },
    {
      what: "wall-clock periods for samples without periods (older agents)",
      rows: [
        { offsetSeconds: 3000, throttled: 10 },
        { offsetSeconds: 3010, throttled: 5 },
      ],
      ratio: 15 / 200,
    },
    {
      what: "exact periods plus wall-clock periods in a mixed window",
      rows: [
        { offsetSeconds: 3000, throttled: 10, periods: 20 },
        { offsetSeconds: 3010, throttled: 5 },
      ],
      ratio: 15 / 120,
    },
    {
      what: "zero when no CFS period elapsed (idle or unlimited container)",
      rows: [{ offsetSeconds: 3000, throttled: 0, periods: 0 }],
      ratio: 0,
    },
  ])("the ratio uses $what", async ({ rows, ratio }) => {
    await t.sql`delete from metric_samples where container_id = ${ids.sidecar ?? ""}`;
    await insert("sidecar", rows);
    const [sidecar] = await queryRolloutSignals(
      t.db,
      query({
        containerNames: ["sidecar"],
        observation: { from: at(3000), to: at(3100) },
      }),
    );
    expect(sidecar?.observation.throttlingRatio).toBeCloseTo(ratio, 12);
  });

  it("the ratio is throttled / elapsed CFS periods, clamped to [0, 1] (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 150 }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (throttled) => {
          await t.sql`delete from metric_samples where container_id = ${ids.sidecar ?? ""}`;
          await insert(
            "sidecar",
            throttled.map((n, i) => ({
              offsetSeconds: 1000 + i,
              throttled: n,
            })),
          );
          const [sidecar] = await queryRolloutSignals(
            t.db,
            query({
              containerNames: ["sidecar"],
              observation: { from: at(1000), to: at(2000) },
            }),
          );
          const sum = throttled.reduce((a, b) => a + b, 0);
          expect(sidecar?.observation.throttlingRatio).toBeCloseTo(
            Math.min(1, sum / (throttled.length * 100)),
            12,
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
