import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { type KubeClients } from "@kubewise/controller";

import { readKubeSystemUidFromConfig } from "../../../apps/agent/src/adapters/kube/cluster-uid";
// The agent's real resolver (apps have no package exports).
import {
  startPodMetadataFromConfig,
  type PodMetadataWatcher,
} from "../../../apps/agent/src/adapters/kube/pod-metadata-watcher";
import { parseCgroupIdentity } from "../../../apps/agent/src/domain/cgroup-identity";
import { REPO_ROOT } from "./global-setup";
import {
  adminClients,
  adminKubeConfig,
  createNamespace,
  createSampleDeployment,
  deleteNamespace,
  kubectl,
  uniqueName,
  waitFor,
} from "./harness";

const execFileAsync = promisify(execFile);
const NODE = "node-podmeta-e2e";
const APP_ID = "a1".repeat(32);
const SIDECAR_ID = "b2".repeat(32);

describe("agent pod metadata from a real kube-apiserver, with the chart's agent RBAC", () => {
  let admin: KubeClients;
  let namespace: string;
  let release: string;
  let agentUser: string;
  let dir: string;
  let watcher: PodMetadataWatcher;
  let podUid: string;
  let podName: string;

  beforeAll(async () => {
    admin = adminClients();
    namespace = await createNamespace(admin, "podmeta");
    release = uniqueName("kwm");
    const serviceAccount = `${release}-agent`;
    agentUser = `system:serviceaccount:${namespace}:${serviceAccount}`;
    dir = mkdtempSync(join(tmpdir(), "kubewise-podmeta-"));
    // The agent's ClusterRole exactly as the chart renders it, bound to a ServiceAccount of this test.
    const { stdout: rbac } = await execFileAsync(inject("helmPath"), [
      ...["template", release, join(REPO_ROOT, "charts", "kubewise")],
      ...["-n", namespace, "--set", "agent.enabled=true"],
      ...["--show-only", "templates/rbac-agent.yaml"],
    ]);
    writeFileSync(join(dir, "rbac.yaml"), rbac);
    const applied = await kubectl(["apply", "-f", join(dir, "rbac.yaml")]);
    expect(applied.stderr).toBe("");
    await admin.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: serviceAccount } },
    });
    const token = (
      await admin.core.createNamespacedServiceAccountToken({
        namespace,
        name: serviceAccount,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      })
    ).status?.token;
    const cluster = adminKubeConfig().getCurrentCluster();
    writeFileSync(
      join(dir, "kubeconfig"),
      JSON.stringify({
        "current-context": "agent",
        contexts: [{ name: "agent", context: { cluster: "c", user: "agent" } }],
        clusters: [
          {
            name: "c",
            cluster: {
              server: cluster?.server,
              "certificate-authority": cluster?.caFile,
            },
          },
        ],
        users: [{ name: "agent", user: { token } }],
      }),
      { mode: 0o600 },
    );

    // No scheduler or kubelet: bind one pod of the Deployment to a node and report its containers.
    await createSampleDeployment(admin, namespace);
    const pod = await waitFor("a pod of the Deployment", async () => {
      const pods = await admin.core.listNamespacedPod({ namespace });
      return pods.items.length === 2 ? pods.items[0] : undefined;
    });
    podName = pod.metadata?.name ?? "";
    podUid = pod.metadata?.uid ?? "";
    await admin.core.createNamespacedBinding({
      namespace,
      body: {
        metadata: { name: podName },
        target: { apiVersion: "v1", kind: "Node", name: NODE },
      },
    });
    await admin.core.patchNamespacedPodStatus(
      {
        namespace,
        name: podName,
        body: {
          status: {
            containerStatuses: [
              ["app", APP_ID],
              ["sidecar", SIDECAR_ID],
            ].map(([name, id]) => ({
              name,
              containerID: `containerd://${id}`,
              image: "registry.invalid/kubewise/sample:1",
              imageID: "",
              ready: true,
              restartCount: 0,
              state: { running: { startedAt: new Date() } },
            })),
          },
        },
      },
      setHeaderOptions("Content-Type", "application/merge-patch+json"),
    );
    watcher = await startPodMetadataFromConfig(
      { kind: "kubeconfig", path: join(dir, "kubeconfig") },
      {
        nodeName: NODE,
        logger: { info: () => undefined, warn: (f, m) => console.warn(m, f) },
      },
    );
  });
  afterAll(async () => {
    await watcher.stop();
    await kubectl(["delete", "-f", join(dir, "rbac.yaml"), "--wait=false"]);
    rmSync(dir, { recursive: true, force: true });
    await deleteNamespace(admin, namespace);
  });

  it("maps a systemd cgroup path of that pod to namespace, Deployment, container and requests", async () => {
    const identity = parseCgroupIdentity(
      `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${podUid.replaceAll("-", "_")}.slice/cri-containerd-${APP_ID}.scope`,
    );
    expect(identity).toBeDefined();
    const meta = await waitFor("metadata of the app container", () =>
      Promise.resolve(identity && watcher.lookup(identity)),
    );
    expect(meta).toEqual({
      namespace,
      podName,
      podUid,
      containerName: "app",
      containerId: APP_ID,
      workloadKind: "Deployment",
      workloadName: "web",
      cpuRequestMillicores: 1000,
      cpuLimitMillicores: 0,
      memoryRequestBytes: 1_073_741_824,
      memoryLimitBytes: 2_147_483_648,
      labels: { app: "web" },
    });
    expect(
      watcher.lookup({ podUid, containerId: SIDECAR_ID })?.containerName,
    ).toBe("sidecar");
    // kubelet source: no runtime id, the container name instead
    expect(
      watcher.lookup({ podUid, containerId: "", containerName: "app" }),
    ).toEqual(meta);
    // Only this node's pod: the Deployment's other pod has no nodeName.
    expect(watcher.stats()).toMatchObject({ pods: 1, watchErrors: 0 });
  });

  it("forgets the pod when it is deleted (watch)", async () => {
    await admin.core.deleteNamespacedPod({
      namespace,
      name: podName,
      gracePeriodSeconds: 0,
    });
    await waitFor("the pod to be forgotten", () =>
      Promise.resolve(
        watcher.lookup({ podUid, containerId: APP_ID }) === undefined
          ? true
          : undefined,
      ),
    );
  });

  it("reads the cluster's kube-system UID (declared at Register) with the same account", async () => {
    const kubeSystem = await admin.core.readNamespace({ name: "kube-system" });
    expect(kubeSystem.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      await readKubeSystemUidFromConfig({
        kind: "kubeconfig",
        path: join(dir, "kubeconfig"),
      }),
    ).toBe(kubeSystem.metadata?.uid);
  });

  it.each([
    [["get", "namespaces/kube-system"], "yes"],
    [["get", "namespaces/default"], "no"],
    [["list", "namespaces"], "no"],
    [["list", "pods"], "yes"],
    [["watch", "pods"], "yes"],
    [["get", "replicasets.apps"], "yes"],
    [["get", "jobs.batch"], "yes"],
    [["list", "replicasets.apps"], "no"],
    [["watch", "replicasets.apps"], "no"],
    [["list", "jobs.batch"], "no"],
    [["get", "deployments.apps"], "no"],
    [["get", "secrets"], "no"],
    [["patch", "pods"], "no"],
    [["delete", "pods"], "no"],
    [["create", "pods", "--subresource=exec"], "no"],
    [["get", "nodes", "--subresource=proxy"], "no"],
  ])(
    "agent ServiceAccount: kubectl auth can-i %j -> %s",
    async (args, expected) => {
      const { stdout } = await kubectl(
        ["auth", "can-i", "-n", namespace, ...args],
        {
          as: agentUser,
        },
      );
      expect(stdout.trim()).toBe(expected);
    },
  );
});
