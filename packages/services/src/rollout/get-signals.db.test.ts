import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ForbiddenError, ValidationError } from "@kubewise/core";
import {
  createTestCluster,
  createTestContainer,
  createTestDatabase,
  createTestWorkload,
  type TestDatabase,
} from "@kubewise/db/testing";

import { SYSTEM_ACTOR, type Actor } from "../context";
import { createTestContext, TEST_NOW } from "../testing";
import { getRolloutSignals } from "./get-signals";
import type { GetRolloutSignalsInput } from "./schemas";

const at = (offsetSeconds: number) =>
  new Date(TEST_NOW.getTime() + offsetSeconds * 1000);
// The change happened 10 minutes before TEST_NOW; the current step began 5 minutes before it.
const CHANGED = -600;
const STEP = -300;

describe("getRolloutSignals (real PostgreSQL)", () => {
  let t: TestDatabase;
  let input: GetRolloutSignalsInput;

  beforeAll(async () => {
    t = await createTestDatabase();
    const cluster = await createTestCluster(t.db);
    const workload = await createTestWorkload(t.db, {
      clusterId: cluster.id,
      namespace: "shop",
      kind: "Deployment",
      name: "web",
    });
    const app = await createTestContainer(t.db, {
      workloadId: workload.id,
      name: "app",
    });
    const sample = (offsetSeconds: number, throttled: number, ooms = 0) => ({
      ts: at(offsetSeconds),
      container_id: app.id,
      cpu_usage_cores: 0.4,
      cpu_throttled_periods: throttled,
      cpu_throttled_seconds: throttled / 100,
      memory_working_set_bytes: 2 ** 27,
      memory_rss_bytes: 2 ** 27,
      oom_kill_count: ooms,
    });
    const rows = [
      // baseline (the hour before the change): 2 % throttled
      ...[-3000, -2000, -1000, -700].map((s) => sample(s, 2)),
      // first step, before the current one: ignored by the observation window
      sample(-400, 90),
      // current step: 50 % throttled, one OOM kill
      sample(-200, 50),
      sample(-100, 50, 1),
    ];
    await t.sql`insert into metric_samples ${t.sql(rows)}`;
    input = {
      clusterId: cluster.id,
      namespace: "shop",
      kind: "Deployment",
      name: "web",
      containerNames: ["app"],
      changedAt: at(CHANGED),
      observedFrom: at(STEP),
      baselineSeconds: 3600,
      sampleIntervalSeconds: 10,
    };
  });
  afterAll(async () => {
    await t?.close();
  });

  it("compares the hour before the change with the current step, per container", async () => {
    const ctx = createTestContext(t.db, SYSTEM_ACTOR);
    expect(await getRolloutSignals({ ctx, input })).toEqual({
      containers: [
        {
          name: "app",
          baseline: {
            sampleCount: 4,
            throttlingRatio: 0.02,
            oomKills: 0,
            windowSeconds: 3600,
            workingSetPeakBytes: 2 ** 27,
          },
          observation: {
            sampleCount: 2,
            throttlingRatio: 0.5,
            oomKills: 1,
            windowSeconds: 300,
            workingSetPeakBytes: 2 ** 27,
          },
        },
      ],
    });
  });

  it("answers the baseline alone before the observation window starts", async () => {
    const ctx = createTestContext(t.db, SYSTEM_ACTOR, at(STEP));
    const [app] = (await getRolloutSignals({ ctx, input })).containers;
    expect(app?.baseline).toMatchObject({
      sampleCount: 4,
      workingSetPeakBytes: 2 ** 27,
    });
    expect(app?.observation).toMatchObject({
      sampleCount: 0,
      windowSeconds: 0,
    });
    expect(app?.observation.workingSetPeakBytes).toBeUndefined();
  });

  it.each([
    {
      what: "an observation before the change",
      patch: { observedFrom: at(CHANGED - 1) },
    },
    { what: "no containers", patch: { containerNames: [] } },
    { what: "a tiny baseline", patch: { baselineSeconds: 5 } },
  ])("rejects $what", async ({ patch }) => {
    const ctx = createTestContext(t.db, SYSTEM_ACTOR);
    await expect(
      getRolloutSignals({ ctx, input: { ...input, ...patch } }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("is for the aggregator (admin), not for viewers", async () => {
    const viewer: Actor = { userId: "u", role: "viewer", scopes: "all" };
    const ctx = createTestContext(t.db, viewer);
    await expect(getRolloutSignals({ ctx, input })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });
});
