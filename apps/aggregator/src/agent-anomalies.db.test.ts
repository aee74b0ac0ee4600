import { afterEach, describe, expect, it } from "vitest";

import { createTestDatabase } from "@kubewise/db/testing";

import { waitFor } from "./testing/processes";
import { startSyntheticPipeline } from "./testing/synthetic-pipeline";

const TOKEN = "anomaly-token-0123456789";
const BASE_ENV = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/tmp",
};
// Synthetic profiles repeat every 5 containers; "leak" containers ramp memory towards the limit.
const CONTAINERS = 25;
const HISTORY_H = 14;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type AgentAnomalyRow = {
  kind: string;
  severity: string;
  workload: string;
  source: string | null;
  slope: number | null;
};

describe("agent anomaly flags (real agent and aggregator processes, gRPC on loopback, PostgreSQL)", () => {
  it("stores the agent's leak flag for an injected memory leak as an open anomaly", async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.close());
    // The aggregator's own detectors stay out of the way (recommend interval 1 day): only agent
    // flags can open anomalies. 14 h of 5-minute samples replayed in ~7 s, then scoring every second.
    const pipeline = await startSyntheticPipeline({
      databaseUrl: db.url,
      token: TOKEN,
      baseEnv: BASE_ENV,
      cleanups,
      agentEnv: {
        KUBEWISE_NODE_NAME: "anomaly-node",
        KUBEWISE_NAMESPACE: "shop",
        KUBEWISE_SYNTHETIC_CONTAINERS: String(CONTAINERS),
        KUBEWISE_SAMPLE_STEP_SECONDS: "300",
        KUBEWISE_SIM_BACKFILL_HOURS: String(HISTORY_H),
        KUBEWISE_SIM_DURATION_HOURS: String(HISTORY_H),
        KUBEWISE_SIM_SPEED: "7200",
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: "0.25",
        KUBEWISE_SCORE_INTERVAL_SECONDS: "1",
      },
    });
    const rows = () => db.sql<AgentAnomalyRow[]>`
      select a.kind, a.severity::text as severity, w.name as workload,
             a.details->>'source' as source,
             (a.details->>'slope_bytes_per_second')::float8 as slope
      from anomalies a
      join containers c on c.id = a.container_id
      join workloads w on w.id = c.workload_id
      where a.resolved_at is null`;
    await waitFor(
      async () => (await rows()).some((r) => r.kind === "leak"),
      120_000,
      `an agent leak anomaly (${pipeline.tail()})`,
    );
    const stored = await rows();
    const leaks = stored.filter((r) => r.kind === "leak");
    expect(leaks.length).toBeGreaterThan(0);
    for (const leak of leaks) {
      expect(leak.source).toBe("agent");
      expect(leak.workload).toMatch(/^leak-/);
      expect(leak.slope).toBeGreaterThan(0);
      expect(["warning", "critical"]).toContain(leak.severity);
    }
    // Steady containers never get a leak flag.
    expect(
      stored.filter(
        (r) => r.kind === "leak" && !r.workload.startsWith("leak-"),
      ),
    ).toEqual([]);
  }, 150_000);
});
