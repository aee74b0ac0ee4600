import { afterAll, describe, expect, inject, it } from "vitest";

import { renderChart } from "./chart-render";
import { kubectl, uniqueName } from "./harness";

const namespaces = new Map<string, string>();

/** A namespace whose Pod Security admission enforces `level`, created once per level. */
async function namespaceEnforcing(level: string): Promise<string> {
  const existing = namespaces.get(level);
  if (existing !== undefined) return existing;
  const name = uniqueName(`kw-pss-${level}`);
  for (const args of [
    ["create", "namespace", name],
    ["label", "namespace", name, `pod-security.kubernetes.io/enforce=${level}`],
  ]) {
    const { code, stderr } = await kubectl(args);
    expect(stderr, args.join(" ")).toBe("");
    expect(code).toBe(0);
  }
  namespaces.set(level, name);
  return name;
}

/** Creates (server dry run, so through admission) the pod the agent DaemonSet would create. */
async function admitAgentPod(namespace: string, set: string[]) {
  const manifests = await renderChart(inject("helmPath"), ...set);
  const spec = manifests.find((m) => m.kind === "DaemonSet")?.spec?.template
    ?.spec;
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "kw-agent-pss", namespace },
    spec: { ...spec, nodeName: "node-a" },
  };
  return kubectl(["create", "--dry-run=server", "-f", "-"], {
    stdin: JSON.stringify(pod),
  });
}

afterAll(async () => {
  for (const name of namespaces.values())
    await kubectl(["delete", "namespace", name, "--wait=false"]);
});

describe("Helm chart: the agent pod under Pod Security admission (real API server)", () => {
  it.each([
    ["kubelet", "restricted", []],
    ["cgroupfs", "privileged", ["agent.source=cgroupfs"]],
  ])("source=%s is admitted where %s is enforced", async (_, level, set) => {
    const { code, stderr } = await admitAgentPod(
      await namespaceEnforcing(level),
      set,
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it.each(["baseline", "restricted"])(
    "source=cgroupfs is refused where %s is enforced, for its hostPath only",
    async (level) => {
      const { code, stderr } = await admitAgentPod(
        await namespaceEnforcing(level),
        ["agent.source=cgroupfs"],
      );
      expect(code).not.toBe(0);
      // The whole message: the hostPath is the only violation (SEC-3).
      expect(stderr.trim()).toMatch(
        /violates PodSecurity "\w+:latest": (hostPath volumes \(volume "cgroup"\)|restricted volume types \(volume "cgroup" uses restricted volume type "hostPath"\))$/,
      );
    },
  );
});
