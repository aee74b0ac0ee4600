// The agent process killed (SIGKILL, from the node) 20 times during ingest: its disk buffer on the
// emptyDir survives each container restart, so every batch it buffered is stored exactly once.
// sent = per boot the sequence numbers the agent assigned (it numbers each boot's batches from 1, so
// 1..the highest stored), stored = rows in ingest_batches; equal means no gap, leading ones included. At the end every batch the running agent sent
// (its recovered buffer included) must be acked.
import { execFileSync } from "node:child_process";

import { afterAll, describe, expect, inject, it } from "vitest";

import { agentMetric, agentPod } from "./agent";
import { openDb, type SuiteDb } from "./database";
import { E2E } from "./release";
import { recordResult } from "./results";
import { until } from "./wait";

const ctx = inject("nodeSuite");
const KILLS = 20;
// the loop left the agent collecting every E2E.fastCollectionSeconds
const INTERVAL_MS = E2E.fastCollectionSeconds * 1000;

let client: SuiteDb;
afterAll(async () => {
  await client.sql.end();
});

async function batchesPerBoot(agentId: string) {
  return client.sql<{ boot_id: string; n: string; hi: string }[]>`
    select boot_id, count(*) as n, max(seq) as hi
    from ingest_batches where agent_id = ${agentId} group by boot_id`;
}

describe("the agent killed 20 times during ingest", () => {
  it("stores every batch it buffered exactly once (sent = stored)", async () => {
    client = openDb(ctx.databaseUrl);
    const start = agentPod(ctx);
    const agentId = "kw-node";
    const bootsBefore = (await batchesPerBoot(agentId)).length;
    for (let kill = 1; kill <= KILLS; kill += 1) {
      const running = await until(
        () => {
          const status = agentPod(ctx).status.containerStatuses?.[0];
          return status?.state?.running && status.containerID
            ? status
            : undefined;
        },
        {
          timeoutMs: 60_000,
          what: `the agent running before kill ${kill}`,
          intervalMs: 200,
        },
      );
      // ingesting: this boot has buffered a batch of its own (not only resent one recovered from
      // the previous boot's buffer, so every boot has rows) and sent one; then a different part of
      // one collection interval each time, so the kill lands mid-collection, mid-stream or mid-fsync
      await until(
        async () =>
          ((await agentMetric(ctx, "kubewise_agent_samples_collected_total")) ??
            0) >= 1 &&
          ((await agentMetric(ctx, "kubewise_agent_batches_sent_total")) ??
            0) >= 1
            ? true
            : undefined,
        {
          timeoutMs: 60_000,
          what: `a batch sent before kill ${kill}`,
          intervalMs: 200,
        },
      );
      await new Promise((r) => setTimeout(r, (kill * 7919) % INTERVAL_MS));
      execFileSync("ctr", [
        "-n",
        "k8s.io",
        "tasks",
        "kill",
        "-s",
        "SIGKILL",
        (running.containerID ?? "").replace("containerd://", ""),
      ]);
      await until(
        () =>
          (agentPod(ctx).status.containerStatuses?.[0]?.restartCount ?? 0) >
          running.restartCount
            ? true
            : undefined,
        {
          timeoutMs: 60_000,
          what: `the agent restarted after kill ${kill}`,
          intervalMs: 200,
        },
      );
    }
    const restarts =
      (agentPod(ctx).status.containerStatuses?.[0]?.restartCount ?? 0) -
      (start.status.containerStatuses?.[0]?.restartCount ?? 0);
    expect(restarts).toBe(KILLS);
    // drained: the running agent recovered its buffer and every batch it sent is acked
    await until(
      async () => {
        const sentNow = await agentMetric(
          ctx,
          "kubewise_agent_batches_sent_total",
        );
        const acked = await agentMetric(
          ctx,
          "kubewise_agent_batches_acked_total",
        );
        return acked !== undefined && acked > 0 && acked === sentNow
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, what: "every batch of the running agent acked" },
    );
    const boots = await batchesPerBoot(agentId);
    const sent = boots.reduce((sum, b) => sum + Number(b.hi), 0);
    const stored = boots.reduce((sum, b) => sum + Number(b.n), 0);
    const dropped =
      (await agentMetric(ctx, "kubewise_agent_buffer_dropped_total")) ?? 0;
    recordResult(ctx, {
      agent_kills: restarts,
      agent_boots: boots.length - bootsBefore,
      agent_batches_sent: sent,
      agent_batches_stored: stored,
    });
    // every killed boot had sent a batch, and the last one is running
    expect(boots.length - bootsBefore).toBeGreaterThanOrEqual(KILLS);
    expect(stored).toBe(sent);
    expect(dropped).toBe(0);
  }, 600_000);
});
