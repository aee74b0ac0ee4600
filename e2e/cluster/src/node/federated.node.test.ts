// One federated training round with the agent DaemonSet (issue 14): the release runs with
// federated.minClients=1 and a round due every minute (release.ts), so the node's one agent is
// enough. The agent trains on the 5-minute history it keeps on its emptyDir; a minutes-old node has
// no 96 h training window, so the suite writes six days of history before the agent's own (the
// only data it invents, as for the recommender's rollups), at the level each container runs at on
// the node (its cgroup's CPU time over its uptime, its RSS). The agent counts its windows, polls,
// is selected, trains in its child process and uploads a clipped delta over the real gRPC; the
// leader aggregates it into a candidate and opens the gate's evaluation, which the agent answers.
// The central holdout has only the suite's 13 h of rollups (no container with the 72 h a window
// needs), so the gate must refuse the candidate: the active model stays, none is activated unpassed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { afterAll, describe, expect, inject, it } from "vitest";

import { encodeSlotRecords } from "../../../../apps/agent/src/domain/history-codec";
import type { SlotRecord } from "../../../../apps/agent/src/domain/slot-journal";
import { agentMetrics, agentPod } from "./agent";
import { openDb, type SuiteDb } from "./database";
import { E2E, kubectlSync } from "./release";
import { recordResult } from "./results";
import { until } from "./wait";
import { cgroupUsage } from "./workloads";

const ctx = inject("nodeSuite");
const AGENT_ID = "kw-node";
// Federated rounds key an agent by its cluster too: <cluster name>/<agent id>.
const PARTICIPANT = `${E2E.clusterName}/${AGENT_ID}`;
const KUBELET_ROOT = "/var/lib/kubelet";
const SLOT_S = 300;
const SEED_DAYS = 6;
/** The aggregator's minTrainableExamples (KUBEWISE_FL_MIN_TRAINABLE_EXAMPLES default). */
const MIN_TRAINABLE = 8;

let client: SuiteDb | undefined;
afterAll(async () => {
  await client?.sql.end();
});

type NodePod = {
  metadata: { namespace: string; name: string };
  status: {
    containerStatuses?: {
      name: string;
      containerID?: string;
      state?: { running?: { startedAt: string } };
    }[];
  };
};

/** Every running container on the node with the level it runs at, from its own cgroup. */
function containerLevels(): {
  key: string;
  cpuCores: number;
  memBytes: number;
}[] {
  const pods = JSON.parse(
    kubectlSync(ctx, [
      "get",
      "pods",
      "-A",
      "--field-selector",
      "status.phase=Running",
      "-o",
      "json",
    ]),
  ) as { items: NodePod[] };
  return pods.items.flatMap((pod) =>
    (pod.status.containerStatuses ?? []).flatMap((c) => {
      const started = c.state?.running?.startedAt;
      if (c.containerID === undefined || started === undefined) return [];
      let usage: ReturnType<typeof cgroupUsage>;
      try {
        usage = cgroupUsage(c.containerID);
      } catch {
        return []; // restarted since the pod list was read
      }
      const upS = Math.max(1, (Date.now() - Date.parse(started)) / 1000);
      return [
        {
          key: `${pod.metadata.namespace}/${pod.metadata.name}/${c.name}`,
          cpuCores: Math.max(0.001, usage.cpuSeconds / upS),
          memBytes: Math.max(1 << 20, usage.rssBytes),
        },
      ];
    }),
  );
}

/** Six days of 5-minute slots before `endSlot`, with a daily cycle, one file per UTC day. */
function seedAgentHistory(dir: string, endSlot: number): number {
  const levels = containerLevels();
  const byDay = new Map<string, SlotRecord[]>();
  const slotsPerDay = 86_400 / SLOT_S;
  for (
    let slot = endSlot - SEED_DAYS * slotsPerDay;
    slot < endSlot;
    slot += 1
  ) {
    const phase = Math.sin((2 * Math.PI * (slot % slotsPerDay)) / slotsPerDay);
    const day = new Date(Math.floor(slot / slotsPerDay) * 86_400_000)
      .toISOString()
      .slice(0, 10)
      .replaceAll("-", "");
    const records = byDay.get(day) ?? [];
    byDay.set(day, records);
    for (const c of levels) {
      const cpu = c.cpuCores * (1 + 0.5 * phase);
      records.push({
        key: c.key,
        slot,
        cpuMeanCores: cpu,
        cpuMaxCores: cpu * 1.3,
        memMaxBytes: c.memBytes * (1 + 0.1 * phase),
      });
    }
  }
  for (const [day, records] of byDay)
    writeFileSync(
      join(dir, `slots-${day}-seed.bin`),
      encodeSlotRecords(records, new Map()),
    );
  return levels.length;
}

type Round = {
  id: string;
  status: string;
  selected_agents: string[];
  candidate_version: number | null;
  outcome: Record<string, unknown> | null;
  opened_at: Date;
  closed_at: Date | null;
};

describe("a federated round with the agent DaemonSet", () => {
  it("trains on the node's agent over gRPC, records the round, and the gate decides the candidate", async () => {
    const db = openDb(ctx.databaseUrl);
    client = db;
    const [active] = await db.sql<{ version: number }[]>`
      select version from model_versions where status = 'active'`;
    if (active === undefined)
      throw new Error("the aggregator seeded no active model");
    const pod = agentPod(ctx);
    const history = join(
      KUBELET_ROOT,
      "pods",
      pod.metadata.uid,
      "volumes",
      "kubernetes.io~empty-dir",
      "buffer",
      "history",
    );
    const seeded = Date.now();
    const containers = seedAgentHistory(
      history,
      Math.floor(seeded / 1000 / SLOT_S),
    );
    expect(containers).toBeGreaterThanOrEqual(3);

    // eligible: the agent counts its training windows and reports them at its next poll
    const trainable = await until(
      async () => {
        const [row] = await db.sql<{ trainable_examples: number }[]>`
          select trainable_examples from agent_models where agent_id = ${PARTICIPANT}`;
        return row !== undefined && row.trainable_examples >= MIN_TRAINABLE
          ? row.trainable_examples
          : undefined;
      },
      { timeoutMs: 180_000, what: `${AGENT_ID} eligible for a round` },
    );

    // the training round: opened for the agent, closed once it uploaded
    const round = await until(
      async () => {
        const [row] = await db.sql<Round[]>`
          select id, status, selected_agents, candidate_version, outcome, opened_at, closed_at
          from fl_rounds where kind = 'train' and ${PARTICIPANT} = any(selected_agents)
          order by id desc limit 1`;
        return row !== undefined && row.status !== "open" ? row : undefined;
      },
      { timeoutMs: 300_000, what: "a training round with the node's agent" },
    );
    expect(round.status).toBe("closed");
    expect(round.selected_agents).toEqual([PARTICIPANT]);
    const updates = await db.sql<
      {
        agent_id: string;
        refusal: string | null;
        example_count: number;
        local_steps: number;
        delta_norm: number;
        cpu_seconds: number;
      }[]
    >`select agent_id, refusal, example_count, local_steps, delta_norm, cpu_seconds
      from fl_updates where round_id = ${round.id}`;
    expect(updates).toHaveLength(1);
    const [update] = updates;
    expect(update).toMatchObject({ agent_id: PARTICIPANT, refusal: null });
    expect(update?.example_count).toBeGreaterThan(0);
    expect(update?.local_steps).toBeGreaterThan(0);
    expect(update?.delta_norm).toBeGreaterThan(0);

    // the candidate it made, and the gate's evaluation of it
    const [candidate] = await db.sql<
      { version: number; parent_version: number; participants: number }[]
    >`select version, parent_version, participants from model_versions where round_id = ${round.id}`;
    expect(candidate).toMatchObject({
      parent_version: active.version,
      participants: 1,
    });
    const version = candidate?.version ?? -1;
    const gate = await until(
      async () => {
        const [row] = await db.sql<Round[]>`
          select id, status, selected_agents, candidate_version, outcome, opened_at, closed_at
          from fl_rounds where kind = 'evaluate' and purpose = 'gate'
            and candidate_version = ${version}`;
        return row !== undefined && row.status !== "open" ? row : undefined;
      },
      {
        timeoutMs: 300_000,
        what: `the gate's evaluation of version ${version}`,
      },
    );
    expect(gate.status).toBe("closed");
    const evaluations = await db.sql<
      { agent_id: string; example_count: number }[]
    >`select agent_id, example_count from fl_evaluations where round_id = ${gate.id}`;
    expect(evaluations.map((e) => e.agent_id)).toEqual([PARTICIPANT]);
    expect(evaluations[0]?.example_count).toBeGreaterThan(0);

    // the gate's verdict: the central holdout has no container with a whole window, so the
    // candidate is refused and the model the agents run is still the active one
    const [fate] = await db.sql<{ status: string; status_reason: string }[]>`
      select status, status_reason from model_versions where version = ${version}`;
    expect(fate?.status).toBe("retired");
    expect(fate?.status_reason).toContain(
      "central holdout: 0 units scored, at least 3 needed",
    );
    const [stillActive] = await db.sql<{ version: number }[]>`
      select version from model_versions where status = 'active'`;
    expect(stillActive?.version).toBe(active.version);
    const audit = await db.sql<{ action: string }[]>`
      select action from audit_log where subject = ${`model:${version}`} order by id`;
    expect(audit.map((a) => a.action)).toContain("model.reject");

    // the agent's side: one training and one evaluation uploaded, still scoring with the active model
    const metrics = await agentMetrics(agentPod(ctx).status.podIP ?? "");
    expect(
      metrics.get(
        'kubewise_agent_fl_tasks_total{kind="train",outcome="uploaded"}',
      ),
    ).toBe(1);
    expect(
      metrics.get(
        'kubewise_agent_fl_tasks_total{kind="evaluate",outcome="uploaded"}',
      ),
    ).toBe(1);
    expect(metrics.get("kubewise_agent_model_version")).toBe(active.version);
    const [reported] = await db.sql<{ model_version: number | null }[]>`
      select model_version from agent_models where agent_id = ${PARTICIPANT}`;
    expect(reported?.model_version).toBe(active.version);

    // the agent container's memory high-water mark: scrapes, the forecaster and the training child
    const agentContainer =
      agentPod(ctx).status.containerStatuses?.[0]?.containerID ?? "";
    const peakMib = cgroupUsage(agentContainer).peakBytes / 2 ** 20;
    recordResult(ctx, {
      federated_round: true,
      federated_round_id: Number(round.id),
      federated_participants: updates.map((u) => u.agent_id),
      federated_candidate: { version, status: fate?.status },
      federated_gate_reason: fate?.status_reason,
      federated_trainable_examples: trainable,
      federated_update: {
        examples: update?.example_count,
        local_steps: update?.local_steps,
        agent_cpu_s: update?.cpu_seconds,
      },
      agent_peak_mib_with_round: Math.round(peakMib * 10) / 10,
      federated_seeded_to_gate_s:
        Math.round(((gate.closed_at?.getTime() ?? Number.NaN) - seeded) / 100) /
        10,
    });
  }, 900_000);
});
