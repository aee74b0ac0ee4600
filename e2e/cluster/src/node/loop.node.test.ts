// The whole loop on the real node: pods Ready, dashboard over its Service, real kubelet samples,
// a recommendation, approval by REST and by kubectl, an in-place resize, an OOM kill and the exact
// rollback, then helm uninstall. Each step records its measured result for the summary line.
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { REPO_ROOT } from "../global-setup";
import {
  agentMetric,
  measureAgentCost,
  snapshotAgentCost,
  type AgentCostSnapshot,
} from "./agent";
import {
  agentSamples,
  allowApply,
  approvedRecommendation,
  approverToken,
  auditTrail,
  awaitContainerId,
  clusterIdByName,
  containerIdOf,
  openDb,
  seedHistory,
  type SuiteDb,
} from "./database";
import {
  approveOverRest,
  recommendationOf,
  recommendationsIn,
} from "./recommendations";
import { E2E, isReady, kubectlSync, releasePods, run } from "./release";
import { recordResult } from "./results";
import { until } from "./wait";
import {
  APPS_NAMESPACE,
  cgroupLimits,
  podNamed,
  podsOf,
  serviceIp,
  type PodView,
} from "./workloads";

const ctx = inject("nodeSuite");
const k = (args: string[], stdin?: string) => kubectlSync(ctx, args, stdin);
const MIB = 2 ** 20;

let client: SuiteDb;
let clusterId = "";
/** Every test pod as it was before any approval, by name. */
const originals = new Map<string, PodView>();
/** The agent's CPU time and scrape count when the loop began: its cost is measured over the loop. */
let agentCostStart: AgentCostSnapshot | undefined;

/** The pod the controller's first rollout step resized in place (the CR's status.canary.pods). */
async function canaryPod(
  workload: string,
  timeoutMs = 120_000,
): Promise<string> {
  return until(
    () => recommendationOf(ctx, workload)?.status?.canary?.pods?.[0],
    {
      timeoutMs,
      what: `the controller's canary pod of ${workload}`,
    },
  );
}

// the test workloads were deployed by the global setup, right after helm install (workloads.ts)
beforeAll(() => {
  client = openDb(ctx.databaseUrl);
});

afterAll(async () => {
  await client.sql.end();
});

describe("Kubewise on a real node", () => {
  it("runs every Kubewise pod Ready", async () => {
    const pods = releasePods(ctx);
    const nodes = (
      JSON.parse(k(["get", "nodes", "-o", "json"])) as { items: unknown[] }
    ).items;
    // aggregator + dashboard + one agent per node
    const expected = 2 + nodes.length;
    const ready = pods.filter(isReady).length;
    recordResult(ctx, {
      node_ready: nodes.length > 0,
      pods_ready: ready,
      pods_expected: expected,
    });
    expect(ready).toBe(expected);
    // the agent's real cost is measured over the rest of the loop, with the forecaster loaded
    await until(
      async () =>
        (await agentMetric(ctx, "kubewise_agent_scorer_loaded")) === 1
          ? true
          : undefined,
      { timeoutMs: 60_000, what: "the agent's forecaster loaded" },
    );
    agentCostStart = await snapshotAgentCost(ctx);
  });

  it("resolves the chart's Service names through the cluster DNS, inside a pod", () => {
    const [aggregator] = releasePods<{ metadata: { name: string } }>(
      ctx,
      "aggregator",
    );
    if (aggregator === undefined) throw new Error("no aggregator pod");
    // the pod's resolv.conf (search path, the kubelet's clusterDNS), as the agents and the dashboard use it
    const resolved = k([
      "-n",
      E2E.namespace,
      "exec",
      aggregator.metadata.name,
      "--",
      "node",
      "-e",
      `require("node:dns").promises.lookup(process.argv[1]).then((a) => console.log(a.address))`,
      `${E2E.release}-web`,
    ]).trim();
    expect(resolved).toBe(serviceIp(ctx, `${E2E.release}-web`));
  });

  it("answers on the dashboard's Service", async () => {
    const ip = serviceIp(ctx, `${E2E.release}-web`);
    const res = await fetch(`http://${ip}/status`);
    const body = await res.text();
    recordResult(ctx, { dashboard_http: res.status });
    expect(res.status).toBe(200);
    // anonymous /status says ok or degraded (the database among its checks); details need a login
    expect(body).toMatch(/data-testid="status-overall"[^>]*>ok</);
  });

  it("stores the agent's real kubelet samples of the test workloads", async () => {
    clusterId = await until(() => clusterIdByName(client, E2E.clusterName), {
      timeoutMs: 120_000,
      what: `cluster ${E2E.clusterName} registered by the agent`,
    });
    let total = 0;
    for (const workload of ["oversized", "grower"]) {
      const containerId = await awaitContainerId(client, {
        clusterId,
        namespace: APPS_NAMESPACE,
        workload,
        container: "app",
      });
      const samples = await until(
        async () => {
          const s = await agentSamples(client, containerId);
          return s.count >= 3 ? s : undefined;
        },
        { timeoutMs: 120_000, what: `3 samples of ${workload}` },
      );
      // a sleeping busybox: some memory, next to no CPU, read from the kubelet's cAdvisor
      expect(samples.memoryBytes).toBeGreaterThan(0);
      expect(samples.memoryBytes).toBeLessThan(64 * MIB);
      total += samples.count;
    }
    for (const workload of ["oversized", "grower"])
      for (const pod of podsOf(ctx, workload))
        originals.set(pod.metadata.name, pod);
    recordResult(ctx, { real_samples: total });
  });

  it("publishes a recommendation as a ResourceRecommendation and in the REST API", async () => {
    await allowApply(client, clusterId, APPS_NAMESPACE);
    for (const workload of ["oversized", "grower"]) {
      const containerId = await containerIdOf(client, {
        clusterId,
        namespace: APPS_NAMESPACE,
        workload,
        container: "app",
      });
      if (containerId === undefined)
        throw new Error(`${workload} not in the database`);
      const measured = await agentSamples(client, containerId);
      await seedHistory(client, {
        containerId,
        until: measured.first ?? new Date(),
        cpuCores: Math.max(measured.cpuCores, 0.001),
        memoryBytes: measured.memoryBytes,
      });
    }
    const recs = await until(
      () => {
        const found = recommendationsIn(ctx, APPS_NAMESPACE);
        return found.length >= 2 ? found : undefined;
      },
      {
        timeoutMs: 180_000,
        what: "ResourceRecommendations for oversized and grower",
      },
    );
    expect(recs.length).toBeGreaterThanOrEqual(2);
    const { token } = await approverToken(client, clusterId, APPS_NAMESPACE);
    const ip = serviceIp(ctx, `${E2E.release}-web`);
    const res = await fetch(
      `http://${ip}/api/v1/recommendations?namespace=${APPS_NAMESPACE}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(res.status).toBe(200);
    const listed = JSON.stringify(await res.json());
    expect(listed).toContain("oversized");
    recordResult(ctx, { recommendation_created: true });
  });

  it("applies the REST approval in place: same pod, no restart, new cgroup limits", async () => {
    const containerId = await containerIdOf(client, {
      clusterId,
      namespace: APPS_NAMESPACE,
      workload: "oversized",
      container: "app",
    });
    if (containerId === undefined)
      throw new Error("oversized not in the database");
    const { token } = await approverToken(client, clusterId, APPS_NAMESPACE);
    const { result: name, attempts } = await approveOverRest(ctx, client, {
      containerId,
      token,
      comment: "e2e:node approves over REST",
      acted: () => canaryPod("oversized", 30_000),
    });
    recordResult(ctx, { rest_approval_attempts: attempts });
    const before = originals.get(name);
    if (before === undefined)
      throw new Error(`${name} is not a pod seen before the approval`);
    const after = await until(
      () => {
        const pod = podNamed(ctx, name);
        const status = pod.status.containerStatuses?.[0];
        const spec = pod.spec.containers[0]?.resources;
        const resized =
          JSON.stringify(spec) !==
            JSON.stringify(before.spec.containers[0]?.resources) &&
          JSON.stringify(status?.resources) === JSON.stringify(spec);
        return resized ? pod : undefined;
      },
      { timeoutMs: 120_000, what: "the oversized pod resized in place" },
    );
    const status = after.status.containerStatuses?.[0];
    const limits = after.spec.containers[0]?.resources.limits;
    expect(after.metadata.uid).toBe(before.metadata.uid);
    const restarts =
      (status?.restartCount ?? 0) -
      (before.status.containerStatuses?.[0]?.restartCount ?? 0);
    expect(restarts).toBe(0);
    const cgroup = cgroupLimits(status?.containerID ?? "");
    expect(cgroup.memoryBytes).toBe(parseQuantity(limits?.memory ?? ""));
    expect(cgroup.memoryBytes).toBeLessThan(256 * MIB);
    recordResult(ctx, {
      inplace_resized: true,
      restarts_during_resize: restarts,
    });
  });

  it("rolls the kubectl-approved grower back to its exact resources after the kernel OOM-kills it", async () => {
    const rec = await until(() => recommendationOf(ctx, "grower"), {
      timeoutMs: 60_000,
      what: "the grower ResourceRecommendation",
    });
    k(
      ["apply", "-f", "-"],
      JSON.stringify(approverRbac("e2e-kubectl-approver")),
    );
    // as over REST: a recommender pass may supersede the approved spec; approve the current one again
    let name: string | undefined;
    for (let attempt = 1; name === undefined; attempt += 1) {
      // as a kubectl user does: leave dry-run and approve the spec the controller last saw
      // (status.specHash); the chart's admission policy checks `by` against the requesting user
      const specHash = await until(
        () => recommendationOf(ctx, "grower")?.status?.specHash,
        { timeoutMs: 60_000, what: "the grower recommendation's specHash" },
      );
      k([
        "-n",
        APPS_NAMESPACE,
        "patch",
        "rrec",
        rec.metadata.name,
        "--type",
        "merge",
        "-p",
        JSON.stringify({
          spec: {
            dryRun: false,
            approval: {
              state: "Approved",
              by: "e2e-kubectl-approver",
              specHash,
            },
          },
        }),
        "--as",
        "e2e-kubectl-approver",
      ]);
      name = await canaryPod("grower", 30_000).catch((error: unknown) => {
        if (attempt >= 3) throw error;
        return undefined;
      });
      recordResult(ctx, { kubectl_approval_attempts: attempt });
    }
    const before = originals.get(name);
    if (before === undefined)
      throw new Error(`${name} is not a pod seen before the approval`);
    const original = before.spec.containers[0]?.resources;
    const killed = await until(
      () => {
        const terminated = podNamed(ctx, name).status.containerStatuses?.[0]
          ?.lastState?.terminated;
        return terminated?.reason === "OOMKilled" ? terminated : undefined;
      },
      { timeoutMs: 180_000, what: "the grower OOM-killed after its resize" },
    );
    const restored = await until(
      () => {
        const pod = podNamed(ctx, name);
        const spec = pod.spec.containers[0]?.resources;
        const status = pod.status.containerStatuses?.[0]?.resources;
        return JSON.stringify(spec) === JSON.stringify(original) &&
          JSON.stringify(status) === JSON.stringify(original)
          ? pod
          : undefined;
      },
      { timeoutMs: 120_000, what: "the grower back at its previous resources" },
    );
    const rollbackS =
      (Date.now() - new Date(killed.finishedAt ?? 0).getTime()) / 1000;
    expect(restored.metadata.uid).toBe(before.metadata.uid);
    expect(rollbackS).toBeLessThan(60);
    const cgroup = cgroupLimits(
      restored.status.containerStatuses?.[0]?.containerID ?? "",
    );
    expect(cgroup.memoryBytes).toBe(
      parseQuantity(original?.limits.memory ?? ""),
    );
    // the RolledBack condition stays when the recommender's next pass (its OOM bump) replaces the
    // spec and the phase moves on to Pending
    const rolledBack = await until(
      () =>
        recommendationOf(ctx, "grower")?.status?.conditions?.find(
          (c) => c.type === "RolledBack" && c.status === "True",
        ),
      { timeoutMs: 60_000, what: "the grower recommendation RolledBack" },
    );
    expect(rolledBack.reason).toBe("OOMKilled");
    const containerId = await containerIdOf(client, {
      clusterId,
      namespace: APPS_NAMESPACE,
      workload: "grower",
      container: "app",
    });
    if (containerId === undefined)
      throw new Error("grower not in the database");
    // the recommendation the kubectl user approved, not the recommender's OOM bump after it
    const dbRec = await until(
      () =>
        approvedRecommendation(
          client,
          containerId,
          "kubernetes:e2e-kubectl-approver",
        ),
      {
        timeoutMs: 60_000,
        what: "the grower's kubectl approval in the database",
      },
    );
    // the aggregator's cluster sync copies the kubectl approval and each phase into the audit log
    const trail = await until(
      async () => {
        const rows = await auditTrail(client, `recommendation:${dbRec.id}`);
        return rows.some((r) => r.action === "recommendation.rollback")
          ? rows
          : undefined;
      },
      { timeoutMs: 60_000, what: "the grower's rollback in the audit log" },
    );
    recordResult(ctx, {
      oom_rollback_s: Math.round(rollbackS * 10) / 10,
      rollback_exact: true,
      audit_actions: trail.map((r) => `${r.action} (${r.by})`),
    });
    expect(trail.map((r) => r.action)).toEqual([
      "recommendation.create",
      "recommendation.approve",
      "recommendation.startApply",
      "recommendation.rollback",
    ]);
    expect(trail[1]?.by).toBe("kubernetes:e2e-kubectl-approver");
  });
  it("measures the agent's real cost from its own cgroup over the loop, forecaster loaded", async () => {
    const start = agentCostStart;
    if (start === undefined) throw new Error("the cost window never started");
    // at least 4 collections in the window, however fast the loop above ran
    await until(
      async () => {
        const n = await agentMetric(
          ctx,
          "kubewise_agent_collection_duration_seconds_count",
        );
        return n !== undefined && n - start.scrapes >= 4 ? true : undefined;
      },
      { timeoutMs: 180_000, what: "4 agent collections in the cost window" },
    );
    const cost = await measureAgentCost(ctx, start);
    recordResult(ctx, {
      agent_cpu_ms_per_scrape: Math.round(cost.cpuMsPerScrape * 100) / 100,
      agent_rss_mib: Math.round(cost.rssMib * 10) / 10,
      agent_anon_mib: Math.round(cost.anonMib * 10) / 10,
      agent_scrapes_measured: cost.scrapes,
    });
    expect(cost.scrapes).toBeGreaterThanOrEqual(4);
    expect(cost.rssMib).toBeGreaterThan(10);
    // the chart's limit is 128Mi: the agent must stay well inside it
    expect(cost.rssMib).toBeLessThan(128);
  });

  it("reads the workloads' real cgroup files when the agent runs with source=cgroupfs", async () => {
    // also a 1 s collection interval from here on (the kill test restarts the agent 20 times), and
    // the chart's default of loading the forecaster when a container has history (the cost was
    // measured above with it preloaded; a boot without it starts sending sooner)
    run(ctx, ctx.helmPath, [
      "upgrade",
      E2E.release,
      join(REPO_ROOT, "charts", "kubewise"),
      "-n",
      E2E.namespace,
      "--reuse-values",
      "--set",
      "agent.source=cgroupfs",
      "--set",
      `agent.collectionIntervalSeconds=${E2E.fastCollectionSeconds}`,
      "--set",
      "agent.preloadForecaster=false",
    ]);
    const containerId = await containerIdOf(client, {
      clusterId,
      namespace: APPS_NAMESPACE,
      workload: "oversized",
      container: "app",
    });
    if (containerId === undefined)
      throw new Error("oversized not in the database");
    // only the cgroupfs source reads cpu.stat's nr_periods (MetricBatch.cpu_periods)
    const samples = await until(
      async () => {
        const s = await agentSamples(client, containerId);
        return s.withCpuPeriods >= 2 ? s : undefined;
      },
      {
        timeoutMs: 180_000,
        what: "cgroupfs samples (with CFS periods) of oversized",
      },
    );
    recordResult(ctx, { cgroupfs_samples: samples.withCpuPeriods });
    expect(samples.withCpuPeriods).toBeGreaterThanOrEqual(2);
  });
});

function approverRbac(user: string) {
  const name = "e2e-recommendation-approver";
  return {
    apiVersion: "v1",
    kind: "List",
    items: [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name, namespace: APPS_NAMESPACE },
        rules: [
          {
            apiGroups: ["kubewise.io"],
            resources: ["resourcerecommendations"],
            verbs: ["get", "list", "patch"],
          },
        ],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name, namespace: APPS_NAMESPACE },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [
          { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user },
        ],
      },
    ],
  };
}

/** Memory quantities the API server returns for limits: plain bytes or binary suffixes. */
function parseQuantity(value: string): number {
  const match = /^([0-9.]+)(Ki|Mi|Gi|k|M|G)?$/.exec(value);
  if (!match) throw new Error(`unexpected quantity ${value}`);
  const unit =
    { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 }[
      match[2] ?? ""
    ] ?? 1;
  return Number(match[1]) * unit;
}
