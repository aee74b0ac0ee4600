import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../testing";
import {
  ensureClusterByName,
  insertIngestBatch,
  registerAgent,
  resolveContainerIds,
  type IngestSamples,
} from "./ingest";

let t: TestDatabase;
let containerId = "";
let clusterId = "";
beforeAll(async () => {
  t = await createTestDatabase();
  clusterId = await ensureClusterByName(t.sql, `periods-${Date.now()}`);
  await registerAgent(t.sql, { agentId: "agent-p", clusterId, bootId: "b1" });
  [containerId = ""] = await resolveContainerIds(t.sql, clusterId, [
    {
      namespace: "shop",
      workloadKind: "Deployment",
      workloadName: "checkout",
      containerName: "app",
      cpuRequestMillicores: 250,
      cpuLimitMillicores: 500,
      memoryRequestBytes: 0,
      memoryLimitBytes: 0,
    },
  ]);
});
afterAll(() => t.close());

const T0 = Date.parse("2026-11-20T12:00:00Z");

function samples(t0: number, cpuPeriods?: number[]): IngestSamples {
  return {
    containerIndex: [0, 0],
    timestampMs: [t0, t0 + 10_000],
    cpuUsageCores: [0.4, 0.5],
    cpuThrottledPeriods: [3, 0],
    cpuThrottledSeconds: [0.2, 0],
    memoryWorkingSetBytes: [1_000_000, 1_000_000],
    memoryRssBytes: [900_000, 900_000],
    memoryLimitBytes: [0, 0],
    oomKillCount: [0, 0],
    ...(cpuPeriods === undefined ? {} : { cpuPeriods }),
  };
}

describe("insertIngestBatch cpu_periods", () => {
  it.each([
    {
      what: "the periods when known (0 is exact)",
      seq: 1,
      periods: [90, 0],
      stored: ["90", "0"],
    },
    {
      what: "NULL when the batch has no periods",
      seq: 2,
      periods: undefined,
      stored: [null, null],
    },
  ])("stores $what", async ({ seq, periods, stored }) => {
    const t0 = T0 + seq * 60_000;
    await insertIngestBatch(t.sql, {
      clusterId,
      agentId: "agent-p",
      bootId: "b1",
      seq,
      containerIds: [containerId],
      samples: samples(t0, periods),
    });
    const rows = await t.sql<{ p: string | null }[]>`
      select cpu_periods as p from metric_samples
      where container_id = ${containerId} and ts >= ${new Date(t0)} and ts < ${new Date(t0 + 60_000)}
      order by ts`;
    expect(rows.map((r) => r.p)).toEqual(stored);
  });

  it("rejects a periods column of the wrong length", async () => {
    await expect(
      insertIngestBatch(t.sql, {
        clusterId,
        agentId: "agent-p",
        bootId: "b1",
        seq: 3,
        containerIds: [containerId],
        samples: samples(T0, [90]),
      }),
    ).rejects.toThrow(/differ in length/);
  });
});
