import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

import { beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { REPO_ROOT } from "./global-setup";

const execFileAsync = promisify(execFile);
const CHART = join(REPO_ROOT, "charts", "kubewise");

type Rule = {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
};
type Manifest = {
  kind: string;
  metadata: { name: string };
  rules?: Rule[];
  spec?: Record<string, unknown>;
};

async function render(...set: string[]): Promise<Manifest[]> {
  const args = [
    "template",
    "kw",
    CHART,
    "-n",
    "kubewise-system",
    ...set.flatMap((s) => ["--set", s]),
  ];
  const { stdout } = await execFileAsync(inject("helmPath"), args);
  return parseAllDocuments(stdout)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const flatten = (rules: Rule[]) =>
  rules
    .flatMap((r) =>
      r.resources.flatMap((res) =>
        r.verbs.map(
          (v) =>
            `${r.apiGroups.join(",")}/${res}:${v}${r.resourceNames ? `@${r.resourceNames.join(",")}` : ""}`,
        ),
      ),
    )
    .sort();

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
        ...["pods", "namespaces", "limitranges", "resourcequotas"].flatMap(
          (r) => ["get", "list", "watch"].map((v) => `/${r}:${v}`),
        ),
        "/pods/resize:patch",
        "policy/poddisruptionbudgets:get",
        "policy/poddisruptionbudgets:list",
        "policy/poddisruptionbudgets:watch",
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

  it("grants the agent only kubelet stats/metrics, node get, pod reads and owner gets", () => {
    const role = manifests.find(
      (m) => m.kind === "ClusterRole" && m.metadata.name === "kw-agent",
    );
    expect(flatten(role?.rules ?? [])).toEqual(
      [
        "/nodes/stats:get",
        "/nodes/metrics:get",
        "/nodes:get",
        "/pods:get",
        "/pods:list",
        "/pods:watch",
        "apps/replicasets:get",
        "batch/jobs:get",
      ].sort(),
    );
  });

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
    expect(workloads.map((w) => w.kind).sort()).toEqual([
      "DaemonSet",
      "Deployment",
    ]);
    for (const w of workloads) {
      const spec = (
        w.spec?.template as {
          spec: {
            securityContext: unknown;
            containers: { securityContext: unknown }[];
          };
        }
      ).spec;
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      for (const c of spec.containers) {
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
