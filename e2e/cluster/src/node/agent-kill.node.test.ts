// The agent process killed (SIGKILL, from the node) 20 times during ingest: its disk buffer on the
// emptyDir survives each container restart, so every batch it buffered is stored exactly once.
// sent = per boot the contiguous sequence numbers the agent assigned (first..last stored), stored =
// rows in ingest_batches; equal means no gap. At the end every batch the running agent sent
// (its recovered buffer included) must be acked.
import { execFileSync } from "node:child_process";

import { afterAll, describe, expect, inject, it } from "vitest";

import { openDb, type SuiteDb } from "./database";
import { releasePods } from "./release";
import { recordResult } from "./results";
import { until } from "./wait";

const ctx = inject("nodeSuite");
const KILLS = 20;

type AgentPod = {
  metadata: { name: string };
  status: {
    podIP?: string;
    containerStatuses?: {
      containerID?: string;
      restartCount: number;
      state?: { running?: { startedAt: string } };
    }[];
  };
};

function agentPod(): AgentPod {
  const pod = releasePods<AgentPod>(ctx, "agent")[0];
  if (pod === undefined) throw new Error("no agent pod");
  return pod;
}

async function agentMetric(name: string): Promise<number | undefined> {
  const ip = agentPod().status.podIP;
  if (ip === undefined) return undefined;
  try {
    const text = await (await fetch(`http://${ip}:9464/metrics`)).text();
    // summed over label sets (acked has duplicate="true|false")
    const lines = text
      .split("\n")
      .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    if (lines.length === 0) return undefined;
    return lines.reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
  } catch {
    return undefined; // the agent is restarting
  }
}

let client: SuiteDb;
afterAll(async () => {
  await client.sql.end();
});

async function batchesPerBoot(agentId: string) {
  return client.sql<{ boot_id: string; n: string; lo: string; hi: string }[]>`
    select boot_id, count(*) as n, min(seq) as lo, max(seq) as hi
    from ingest_batches where agent_id = ${agentId} group by boot_id`;
}

describe("the agent killed 20 times during ingest", () => {
  it("stores every batch it buffered exactly once (sent = stored)", async () => {
    client = openDb(ctx.databaseUrl);
    const start = agentPod();
    const agentId = "kw-node";
    const bootsBefore = (await batchesPerBoot(agentId)).length;
    for (let kill = 1; kill <= KILLS; kill += 1) {
      const running = await until(
        () => {
          const status = agentPod().status.containerStatuses?.[0];
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
      // ingesting: this boot has sent a batch; then 0-3 s more, so the kill lands mid-collection,
      // mid-stream or mid-fsync, never at the same point
      await until(
        async () =>
          ((await agentMetric("kubewise_agent_batches_sent_total")) ?? 0) >= 1
            ? true
            : undefined,
        {
          timeoutMs: 60_000,
          what: `a batch sent before kill ${kill}`,
          intervalMs: 200,
        },
      );
      await new Promise((r) => setTimeout(r, (kill * 7919) % 3000));
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
          (agentPod().status.containerStatuses?.[0]?.restartCount ?? 0) >
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
      (agentPod().status.containerStatuses?.[0]?.restartCount ?? 0) -
      (start.status.containerStatuses?.[0]?.restartCount ?? 0);
    expect(restarts).toBe(KILLS);
    // drained: the running agent recovered its buffer and every batch it sent is acked
    await until(
      async () => {
        const sentNow = await agentMetric("kubewise_agent_batches_sent_total");
        const acked = await agentMetric("kubewise_agent_batches_acked_total");
        return acked !== undefined && acked > 0 && acked === sentNow
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, what: "every batch of the running agent acked" },
    );
    const boots = await batchesPerBoot(agentId);
    const sent = boots.reduce(
      (sum, b) => sum + Number(b.hi) - Number(b.lo) + 1,
      0,
    );
    const stored = boots.reduce((sum, b) => sum + Number(b.n), 0);
    const dropped =
      (await agentMetric("kubewise_agent_buffer_dropped_total")) ?? 0;
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
    // 20 boots, each killed after it sent a batch (10 s collections): ~15 s per kill
  }, 900_000);
});
