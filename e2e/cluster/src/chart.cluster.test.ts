import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { beforeAll, describe, expect, inject, it } from "vitest";

import {
  CHART,
  flattenRules as flatten,
  renderChart,
  type Manifest,
} from "./chart-render";

const execFileAsync = promisify(execFile);
const render = (...set: string[]) => renderChart(inject("helmPath"), ...set);

describe("Helm chart (rendered, SEC-1 / SEC-3)", () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await render();
  });

  it("passes helm lint", async () => {
    const { stdout } = await execFileAsync(inject("helmPath"), ["lint", CHART]);
    expect(stdout).toMatch(/0 chart\(s\) failed/);
  });

  it("grants the aggregator exactly the allow-listed permissions", () => {
    const role = manifests.find(
      (m) => m.kind === "ClusterRole" && m.metadata.name === "kw-aggregator",
    );
    expect(flatten(role?.rules ?? [])).toEqual(
      [
        "kubewise.io/resourcerecommendations:get",
        "kubewise.io/resourcerecommendations:list",
        "kubewise.io/resourcerecommendations:watch",
        "kubewise.io/resourcerecommendations:create",
        "kubewise.io/resourcerecommendations:patch",
        "kubewise.io/resourcerecommendations/status:get",
        "kubewise.io/resourcerecommendations/status:patch",
        ...["deployments", "statefulsets", "daemonsets"].flatMap((r) =>
          ["get", "list", "watch", "patch"].map((v) => `apps/${r}:${v}`),
        ),
        "apps/replicasets:get",
        "apps/replicasets:list",
        "apps/replicasets:watch",
        ...["get", "list", "watch", "patch"].map((v) => `batch/cronjobs:${v}`),
        ...["get", "list", "watch"].map((v) => `batch/jobs:${v}`),
        ...["pods", "namespaces", "limitranges", "resourcequotas"].flatMap(
          (r) => ["get", "list", "watch"].map((v) => `/${r}:${v}`),
        ),
        "/pods/resize:patch",
        "policy/poddisruptionbudgets:get",
        "policy/poddisruptionbudgets:list",
        "policy/poddisruptionbudgets:watch",
        ...["get", "list", "watch"].map(
          (v) => `autoscaling/horizontalpodautoscalers:${v}`,
        ),
        "/events:create",
        "/events:patch",
        "authentication.k8s.io/tokenreviews:create",
      ].sort(),
    );
    const lease = manifests.find(
      (m) =>
        m.kind === "Role" &&
        m.metadata.name === "kw-aggregator-leader-election",
    );
    expect(flatten(lease?.rules ?? [])).toEqual(
      [
        "coordination.k8s.io/leases:create",
        "coordination.k8s.io/leases:get@kubewise-aggregator",
        "coordination.k8s.io/leases:update@kubewise-aggregator",
      ].sort(),
    );
  });

  // ...plus the kube-system namespace and no other: its UID is the cluster's identity at Register.
  const podMetadataReads = [
    "/pods:get",
    "/pods:list",
    "/pods:watch",
    "apps/replicasets:get",
    "batch/jobs:get",
    "/namespaces:get@kube-system",
  ];
  it.each([
    [
      "kubelet",
      ["/nodes/stats:get", "/nodes/metrics:get", ...podMetadataReads],
    ],
    ["cgroupfs", podMetadataReads],
  ])(
    "grants the agent (source=%s) only what it calls: kubelet stats/metrics, pod reads, owner gets, the kube-system namespace",
    async (source, expected) => {
      const role = (await render(`agent.source=${source}`)).find(
        (m) => m.kind === "ClusterRole" && m.metadata.name === "kw-agent",
      );
      expect(flatten(role?.rules ?? [])).toEqual([...expected].sort());
    },
  );

  it("has no wildcard or dangerous grant anywhere", () => {
    const all = manifests.flatMap((m) => m.rules ?? []);
    const text = JSON.stringify(all);
    expect(text).not.toMatch(/"\*"/);
    for (const bad of [
      "secrets",
      "pods/exec",
      "pods/attach",
      "nodes/proxy",
      "escalate",
      "bind",
      "impersonate",
    ])
      expect(text).not.toContain(`"${bad}"`);
    expect(flatten(all).filter((r) => r.startsWith("/pods:create"))).toEqual(
      [],
    );
  });

  it("renders every container with a restricted security context", () => {
    const workloads = manifests.filter(
      (m) => m.kind === "Deployment" || m.kind === "DaemonSet",
    );
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual([
      "kw-agent",
      "kw-aggregator",
      "kw-web",
    ]);
    for (const w of workloads) {
      const spec = w.spec?.template?.spec;
      expect(spec?.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      for (const c of spec?.containers ?? []) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
      }
    }
  });

  it("mounts no hostPath unless the agent runs in cgroupfs mode", async () => {
    expect(JSON.stringify(manifests)).not.toContain("hostPath");
    expect(JSON.stringify(await render("agent.source=cgroupfs"))).toContain(
      '"hostPath"',
    );
  });
});
