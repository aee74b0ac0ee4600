import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { createTestDatabase } from "@kubewise/db/testing";

import {
  findFreePort,
  spawnApp,
  stopChild,
  waitFor,
  type Child,
} from "./testing/processes";

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

function start(child: Child): Child {
  cleanups.push(() => stopChild(child, "SIGKILL"));
  return child;
}

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
    const bufferDir = mkdtempSync(join(tmpdir(), "kw-anomaly-agent-"));
    chmodSync(bufferDir, 0o755);
    cleanups.push(() => rmSync(bufferDir, { recursive: true, force: true }));
    const port = await findFreePort();
    const aggregator = start(
      spawnApp("aggregator", BASE_ENV, {
        DATABASE_URL: db.url,
        KUBEWISE_GRPC_HOST: "127.0.0.1",
        KUBEWISE_GRPC_PORT: String(port),
        KUBEWISE_METRICS_PORT: "0",
        KUBEWISE_AGENT_TOKENS: TOKEN,
        // The aggregator's own detectors stay out of the way: only agent flags can open anomalies.
        KUBEWISE_RECOMMEND_INTERVAL_SECONDS: "86400",
        KUBEWISE_LOG_LEVEL: "info",
      }),
    );
    // 14 h of 5-minute samples replayed in ~7 s, then scoring every second (default runtime).
    const agent = start(
      spawnApp("agent", BASE_ENV, {
        KUBEWISE_AGGREGATOR_TARGET: `127.0.0.1:${port}`,
        KUBEWISE_TOKEN: TOKEN,
        KUBEWISE_NODE_NAME: "anomaly-node",
        KUBEWISE_NAMESPACE: "shop",
        KUBEWISE_BUFFER_DIR: bufferDir,
        KUBEWISE_METRICS_PORT: "0",
        KUBEWISE_SOURCE: "synthetic",
        KUBEWISE_SYNTHETIC_CONTAINERS: String(CONTAINERS),
        KUBEWISE_SAMPLE_STEP_SECONDS: "300",
        KUBEWISE_SIM_BACKFILL_HOURS: String(HISTORY_H),
        KUBEWISE_SIM_DURATION_HOURS: String(HISTORY_H),
        KUBEWISE_SIM_SPEED: "7200",
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: "0.25",
        KUBEWISE_SCORE_INTERVAL_SECONDS: "1",
        KUBEWISE_LOG_LEVEL: "info",
      }),
    );
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
      `an agent leak anomaly (agent: ${agent.output.slice(-8).join(" | ")}; aggregator: ${aggregator.output.slice(-8).join(" | ")})`,
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
