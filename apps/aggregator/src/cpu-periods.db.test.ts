import { afterEach, describe, expect, it } from "vitest";

import { createTestDatabase } from "@kubewise/db/testing";

import { waitFor } from "./testing/processes";
import { startSyntheticPipeline } from "./testing/synthetic-pipeline";

const STEP_SECONDS = 10;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type PeriodStats = {
  samples: number;
  withPeriods: number;
  belowThrottled: number;
  maxPeriods: number | null;
};

describe("CFS periods end to end (real agent and aggregator processes, gRPC on loopback, PostgreSQL)", () => {
  it("stores the agent's periods per sample, never below its throttled periods", async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.close());
    const pipeline = await startSyntheticPipeline({
      databaseUrl: db.url,
      token: "periods-token-0123456789",
      baseEnv: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
      },
      cleanups,
      agentEnv: {
        KUBEWISE_NODE_NAME: "periods-node",
        KUBEWISE_NAMESPACE: "shop",
        KUBEWISE_SYNTHETIC_CONTAINERS: "5",
        KUBEWISE_SAMPLE_STEP_SECONDS: String(STEP_SECONDS),
        KUBEWISE_SIM_BACKFILL_HOURS: "1",
        KUBEWISE_SIM_DURATION_HOURS: "1",
        KUBEWISE_SIM_SPEED: "600",
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: "0.25",
      },
    });
    const stats = async () =>
      (
        await db.sql<PeriodStats[]>`
          select count(*)::integer as samples,
            count(cpu_periods)::integer as "withPeriods",
            count(*) filter (where cpu_periods < cpu_throttled_periods)::integer as "belowThrottled",
            max(cpu_periods)::integer as "maxPeriods"
          from metric_samples`
      )[0];
    await waitFor(
      async () => ((await stats())?.samples ?? 0) >= 100,
      90_000,
      `100 stored samples (${pipeline.tail()})`,
    );
    const s = await stats();
    expect(s?.withPeriods).toBe(s?.samples);
    expect(s?.belowThrottled).toBe(0);
    // One CFS period per 100 ms of a running container's sample interval.
    expect(s?.maxPeriods).toBe(STEP_SECONDS * 10);
  }, 120_000);
});
