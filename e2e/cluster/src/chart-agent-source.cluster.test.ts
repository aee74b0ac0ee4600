import { basename, dirname } from "node:path";

import { describe, expect, inject, it } from "vitest";

import { flattenRules, renderChart, type Manifest } from "./chart-render";

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const render = (...set: string[]) => renderChart(inject("helmPath"), ...set);

function agentOf(manifests: Manifest[]) {
  const pod = manifests.find((m) => m.kind === "DaemonSet")?.spec?.template
    ?.spec;
  if (pod === undefined) throw new Error("the chart rendered no DaemonSet");
  const container = pod.containers[0];
  const env = new Map((container?.env ?? []).map((e) => [e.name, e]));
  /** The volume (and the file name inside it) that a path in the container comes from. */
  const fileSource = (path: string | undefined) => {
    const mount = container?.volumeMounts?.find(
      (m) => m.mountPath === dirname(path ?? ""),
    );
    const volume = pod.volumes?.find((v) => v.name === mount?.name);
    return { mount, volume, file: basename(path ?? "") };
  };
  return { pod, container, env, fileSource };
}

describe("Helm chart: the agent reads the node's metrics", () => {
  it("cgroupfs: KUBEWISE_CGROUP_ROOT is the read-only hostPath mount of the node's /sys/fs/cgroup", async () => {
    const { pod, container, env } = agentOf(
      await render("agent.source=cgroupfs"),
    );
    const hostPaths = pod.volumes?.filter((v) => v.hostPath !== undefined);
    expect(hostPaths?.map((v) => v.hostPath?.path)).toEqual(["/sys/fs/cgroup"]);
    const mount = container?.volumeMounts?.find(
      (m) => m.name === hostPaths?.[0]?.name,
    );
    expect(mount?.readOnly).toBe(true);
    expect(env.get("KUBEWISE_CGROUP_ROOT")?.value).toBe(mount?.mountPath);
    expect(env.get("KUBEWISE_SOURCE")?.value).toBe("cgroupfs");
    expect(env.has("KUBEWISE_NODE_IP")).toBe(false);
    // SEC-3: the one hostPath is the only exception to restricted.
    expect(pod.hostNetwork).toBeUndefined();
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container?.securityContext?.privileged).toBeUndefined();
  });

  it("kubelet (default): node IP from status.hostIP, no hostPath, no host network", async () => {
    const { pod, env } = agentOf(await render());
    expect(env.get("KUBEWISE_SOURCE")?.value).toBe("kubelet");
    expect(env.get("KUBEWISE_NODE_IP")?.valueFrom).toEqual({
      fieldRef: { fieldPath: "status.hostIP" },
    });
    expect(env.get("KUBEWISE_KUBELET_PORT")?.value).toBe("10250");
    expect(env.has("KUBEWISE_KUBELET_URL")).toBe(false);
    expect(env.has("KUBEWISE_CGROUP_ROOT")).toBe(false);
    expect(pod.volumes?.some((v) => v.hostPath !== undefined)).toBe(false);
    expect(pod.hostNetwork).toBeUndefined();
  });

  it("kubelet: a 1 h API-audience token of its own, not the aggregator's, and no automounted token", async () => {
    const manifests = await render();
    const { pod, env, fileSource } = agentOf(manifests);
    const kubelet = fileSource(env.get("KUBEWISE_KUBELET_TOKEN_FILE")?.value);
    const aggregator = fileSource(env.get("KUBEWISE_TOKEN_FILE")?.value);
    const tokenOf = (v: typeof kubelet) =>
      v.volume?.projected?.sources.find(
        (s) => s.serviceAccountToken?.path === v.file,
      )?.serviceAccountToken;
    expect(tokenOf(kubelet)).toEqual({
      path: "token",
      expirationSeconds: 3600,
    });
    expect(tokenOf(aggregator)?.audience).toBe("kubewise-aggregator");
    expect(kubelet.volume?.name).not.toBe(aggregator.volume?.name);
    // Pod metadata reads the same token, CA and namespace through in-cluster config.
    expect(kubelet.mount?.mountPath).toBe(SA_DIR);
    expect(pod.automountServiceAccountToken).toBe(false);
    const serviceAccount = manifests.find(
      (m) =>
        m.kind === "ServiceAccount" &&
        m.metadata.name === pod.serviceAccountName,
    );
    expect(serviceAccount?.automountServiceAccountToken).toBe(false);
  });

  it("kubelet: RBAC binds nodes/stats and nodes/metrics get to the agent's ServiceAccount, never nodes/proxy", async () => {
    const manifests = await render();
    const { pod } = agentOf(manifests);
    const binding = manifests.find(
      (m) => m.kind === "ClusterRoleBinding" && m.metadata.name === "kw-agent",
    ) as unknown as {
      roleRef: { name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.subjects).toEqual([
      {
        kind: "ServiceAccount",
        name: pod.serviceAccountName,
        namespace: "kubewise-system",
      },
    ]);
    const role = manifests.find(
      (m) =>
        m.kind === "ClusterRole" && m.metadata.name === binding.roleRef.name,
    );
    const rules = flattenRules(role?.rules ?? []);
    expect(rules).toContain("/nodes/stats:get");
    expect(rules).toContain("/nodes/metrics:get");
    expect(rules.filter((r) => r.startsWith("/nodes/proxy"))).toEqual([]);
  });

  it.each<[string, string[], Record<string, string | undefined>]>([
    [
      "the cluster CA (kube-root-ca.crt) by default",
      [],
      { ca: "kube-root-ca.crt", insecure: undefined },
    ],
    [
      "a named ConfigMap",
      ["agent.kubelet.caConfigMap=kubelet-serving-ca"],
      { ca: "kubelet-serving-ca", insecure: undefined },
    ],
    [
      "no CA with the explicit opt-out",
      ["agent.kubelet.insecureSkipTLSVerify=true"],
      { ca: undefined, insecure: "true" },
    ],
  ])("kubelet TLS: verified against %s", async (_, set, expected) => {
    const { env, fileSource } = agentOf(await render(...set));
    const ca = fileSource(env.get("KUBEWISE_KUBELET_CA_FILE")?.value);
    const configMaps = [
      ca.volume?.configMap,
      ...(ca.volume?.projected?.sources.map((s) => s.configMap) ?? []),
    ];
    const source = configMaps.find((c) =>
      c?.items?.some((i) => i.path === ca.file),
    );
    expect({
      ca: source?.name,
      insecure: env.get("KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY")?.value,
    }).toEqual(expected);
    if (source !== undefined)
      expect(source.items).toContainEqual({ key: "ca.crt", path: ca.file });
  });

  it("kubelet TLS: refuses a CA ConfigMap together with the opt-out", async () => {
    await expect(
      render(
        "agent.kubelet.caConfigMap=kubelet-serving-ca",
        "agent.kubelet.insecureSkipTLSVerify=true",
      ),
    ).rejects.toThrow(/set caConfigMap or insecureSkipTLSVerify, not both/);
  });
});
