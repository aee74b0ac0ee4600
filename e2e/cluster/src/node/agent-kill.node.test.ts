// The agent process killed (SIGKILL, from the node) 20 times during ingest: its disk buffer on the
// emptyDir survives each container restart, so every batch it buffered is stored exactly once.
// sent = per boot the sequence numbers the agent assigned (it numbers each boot's batches from 1, so
// 1..the highest stored), stored = rows in ingest_batches; equal means no gap, leading ones included. At the end the running
// agent's buffer (the recovered batches included) must be drained.
import { afterAll, describe, expect, inject, it } from "vitest";

import { agentMetric, agentMetrics, agentPod } from "./agent";
import { openDb, type SuiteDb } from "./database";
import { E2E, killContainer } from "./release";
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

const START_TIME = "kubewise_agent_process_start_time_seconds";

describe("the agent killed 20 times during ingest", () => {
  it("stores every batch it buffered exactly once (sent = stored)", async () => {
    client = openDb(ctx.databaseUrl);
    const start = agentPod(ctx);
    const ip = start.status.podIP ?? "";
    const agentId = "kw-node";
    const bootsBefore = (await batchesPerBoot(agentId)).length;
    // the pod keeps its IP across container restarts: the agent's own /metrics tells when a boot
    // is up and ingesting, without polling the API server
    const scrape = async () => agentMetrics(ip).catch(() => undefined);
    const total = (m: Map<string, number>, name: string) =>
      [...m.entries()]
        .filter(([key]) => key === name || key.startsWith(`${name}{`))
        .reduce((sum, [, value]) => sum + value, 0);
    let previousStart: number | undefined;
    for (let kill = 1; kill <= KILLS; kill += 1) {
      // ingesting: a new boot has buffered a batch of its own (not only resent one recovered from
      // the previous boot's buffer, so every boot has rows) and sent one; then a different part of
      // one collection interval each time, so the kill lands mid-collection, mid-stream or mid-fsync
      const up = await until(
        async () => {
          const m = await scrape();
          return m !== undefined &&
            total(m, START_TIME) !== previousStart &&
            total(m, "kubewise_agent_samples_collected_total") >= 1 &&
            total(m, "kubewise_agent_batches_sent_total") >= 1
            ? m
            : undefined;
        },
        {
          timeoutMs: 60_000,
          what: `a new boot of the agent sending batches before kill ${kill}`,
          intervalMs: 100,
        },
      );
      previousStart = total(up, START_TIME);
      await new Promise((r) => setTimeout(r, (kill * 7919) % INTERVAL_MS));
      killContainer(start.metadata.name, "agent");
      await until(
        async () => ((await scrape()) === undefined ? true : undefined),
        {
          timeoutMs: 30_000,
          what: `the agent's /metrics down after kill ${kill}`,
          intervalMs: 100,
        },
      );
    }
    // the kubelet counted every kill as a restart
    const restarts = await until(
      () => {
        const n =
          (agentPod(ctx).status.containerStatuses?.[0]?.restartCount ?? 0) -
          (start.status.containerStatuses?.[0]?.restartCount ?? 0);
        return n >= KILLS ? n : undefined;
      },
      { timeoutMs: 60_000, what: `${KILLS} restarts of the agent container` },
    );
    expect(restarts).toBe(KILLS);
    // drained: the running agent recovered its buffer and every batch in it is acked. Its buffer
    // depth says so (set after each append, lowered by each ack; read once a collection has set
    // it). Not sent = acked: a batch written to a stream that broke (the aggregator replaced, an
    // ack timeout) is sent again on the next one, so sent stays above acked for good.
    let seen = "no /metrics";
    await until(
      async () => {
        const m = await scrape();
        if (m === undefined) return undefined;
        seen = [...m.entries()]
          .filter(([key]) => /batches|buffer|stream|connect/.test(key))
          .map(([key, value]) => `${key} ${value}`)
          .join(", ");
        return total(m, "kubewise_agent_samples_collected_total") >= 1 &&
          total(m, "kubewise_agent_batches_acked_total") > 0 &&
          total(m, "kubewise_agent_buffer_depth_batches") === 0
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, what: "the running agent's buffer drained" },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; the agent's counters: ${seen}`);
    });
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
    // every killed boot had buffered a batch, and the last one is running
    expect(boots.length - bootsBefore).toBeGreaterThanOrEqual(KILLS);
    expect(stored).toBe(sent);
    expect(dropped).toBe(0);
  }, 600_000);
});
