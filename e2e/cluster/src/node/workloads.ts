// Test workloads on the real node (the busybox image of npm run images) and what the node shows of
// them: pod status and the container's cgroup files on this machine.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { E2E, kubectlSync, type NodeSuiteContext } from "./release";

export const APPS_NAMESPACE = "kw-node-apps";
/** The NoSchedule taint faults.node.test.ts puts on the node to keep a pod Pending. */
export const HOLD_TAINT = "kubewise.io/e2e-hold=true:NoSchedule";

type Resources = {
  requests: { cpu: string; memory: string };
  limits: { cpu?: string; memory: string };
};

/**
 * `grower` waits until its memory limit drops (an in-place resize), then grows without bound:
 * `tail /dev/zero` buffers one endless line, so the kernel OOM-kills the main process. A marker on
 * an emptyDir keeps it quiet after the restart that follows.
 */
const GROWER = [
  "L=/sys/fs/cgroup/memory/memory.limit_in_bytes; [ -r $L ] || L=/sys/fs/cgroup/memory.max",
  "[ -e /data/grown ] && exec sleep 2147483647",
  "START=$(cat $L)",
  'while [ "$(cat $L)" = "$START" ]; do sleep 1; done',
  "touch /data/grown",
  "exec tail /dev/zero",
].join("\n");

/**
 * `restarter` grows like `grower`, but only once it is told to as well (a file /data/go, written with
 * kubectl exec): faults.node.test.ts resizes it, kills the aggregator, and only then lets it grow.
 */
const RESTARTER = GROWER.replace(
  'while [ "$(cat $L)" = "$START" ]; do sleep 1; done',
  'while [ "$(cat $L)" = "$START" ] || [ ! -e /data/go ]; do sleep 1; done',
);

// Set up as the chart's recommender expects (CPU requests, no CPU limit; a memory limit): its
// recommendations keep that shape, so pods/resize keeps the QoS class (Burstable) and the change
// is applied in place. A workload with CPU limits gets its change through the pod template instead
// (pods restart; the Applied condition says why), covered by the controller's unit tests.
const OVERSIZED_RESOURCES: Resources = {
  requests: { cpu: "500m", memory: "256Mi" },
  limits: { memory: "256Mi" },
};
const GROWER_RESOURCES: Resources = {
  requests: { cpu: "200m", memory: "192Mi" },
  limits: { memory: "192Mi" },
};
/** Idle too; faults.node.test.ts gives it a history that needs more CPU than the node has. */
const HUNGRY_RESOURCES: Resources = {
  requests: { cpu: "50m", memory: "32Mi" },
  limits: { memory: "32Mi" },
};
/** The other fault workloads (a blocking PDB, a Pending pod, the aggregator killed mid-rollout). */
const FAULT_RESOURCES: Resources = {
  requests: { cpu: "50m", memory: "192Mi" },
  limits: { memory: "192Mi" },
};

/** The namespace and the test workloads, created anew on a reused cluster. */
export function deployTestWorkloads(ctx: NodeSuiteContext): void {
  const k = (args: string[], stdin?: string) => kubectlSync(ctx, args, stdin);
  // a run killed while it held the node (faults.node.test.ts) leaves its taint: no pod would schedule
  const nodes = k(["get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"]);
  for (const node of nodes.split(" ").filter(Boolean)) {
    const taints = k([
      "get",
      "node",
      node,
      "-o",
      "jsonpath={.spec.taints[*].key}",
    ]);
    if (taints.includes("kubewise.io/e2e-hold"))
      k(["taint", "nodes", node, `${HOLD_TAINT}-`]);
  }
  // pods an earlier run resized, OOM-killed or rolled back (and their CRs) are no start: new ones
  k([
    "delete",
    "namespace",
    APPS_NAMESPACE,
    "--ignore-not-found",
    "--wait",
    "--timeout=120s",
  ]);
  k(
    ["apply", "-f", "-"],
    k([
      "create",
      "namespace",
      APPS_NAMESPACE,
      "--dry-run=client",
      "-o",
      "yaml",
    ]),
  );
  for (const [name, resources, script] of [
    ["oversized", OVERSIZED_RESOURCES, "idle"],
    ["grower", GROWER_RESOURCES, "grower"],
    ["hungry", HUNGRY_RESOURCES, "idle"],
    ["guarded", FAULT_RESOURCES, "idle"],
    ["stuck", FAULT_RESOURCES, "idle"],
    ["restarter", FAULT_RESOURCES, "restarter"],
  ] as const)
    k(["apply", "-f", "-"], workloadManifest(ctx, { name, resources, script }));
}

function workloadManifest(
  ctx: NodeSuiteContext,
  options: {
    name: string;
    resources: Resources;
    script: "idle" | "grower" | "restarter";
  },
): string {
  const script = {
    idle: "exec sleep 2147483647",
    grower: GROWER,
    restarter: RESTARTER,
  }[options.script];
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: options.name, namespace: APPS_NAMESPACE },
    spec: {
      // two pods: the controller's first rollout step resizes one in place and watches it
      replicas: 2,
      selector: { matchLabels: { app: options.name } },
      template: {
        metadata: { labels: { app: options.name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          securityContext: { runAsNonRoot: true, runAsUser: 65532 },
          containers: [
            {
              name: "app",
              image: `${ctx.registry}/kubewise/workload:0.1.0`,
              imagePullPolicy:
                ctx.registry === "localhost" ? "Never" : "IfNotPresent",
              args: [script],
              resources: options.resources,
              resizePolicy: [
                { resourceName: "cpu", restartPolicy: "NotRequired" },
                { resourceName: "memory", restartPolicy: "NotRequired" },
              ],
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
        },
      },
    },
  });
}

export type PodView = {
  metadata: { name: string; uid: string };
  spec: { containers: { name: string; resources: Resources }[] };
  status: {
    phase?: string;
    conditions?: { type: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      containerID?: string;
      restartCount: number;
      ready: boolean;
      resources?: Resources;
      lastState?: { terminated?: { reason?: string; finishedAt?: string } };
    }[];
  };
};

export function podsOf(ctx: NodeSuiteContext, app: string): PodView[] {
  const list = JSON.parse(
    kubectlSync(ctx, [
      "-n",
      APPS_NAMESPACE,
      "get",
      "pods",
      "-l",
      `app=${app}`,
      "-o",
      "json",
    ]),
  ) as { items: (PodView & { metadata: { deletionTimestamp?: string } })[] };
  return list.items.filter((p) => p.metadata.deletionTimestamp === undefined);
}

export function podNamed(ctx: NodeSuiteContext, name: string): PodView {
  return JSON.parse(
    kubectlSync(ctx, ["-n", APPS_NAMESPACE, "get", "pod", name, "-o", "json"]),
  ) as PodView;
}

function findDir(
  root: string,
  name: string,
  depth: number,
): string | undefined {
  if (depth < 0) return undefined;
  let entries: string[];
  try {
    entries = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return undefined; // a pod cgroup removed while we walk
  }
  if (entries.includes(name)) return join(root, name);
  for (const entry of entries) {
    const found = findDir(join(root, entry), name, depth - 1);
    if (found) return found;
  }
  return undefined;
}

/** The container's memory limit and CFS quota as the kernel enforces them (cgroup v1 or v2). */
export function cgroupLimits(containerId: string): {
  memoryBytes: number;
  cpuQuotaUs: number;
} {
  const id = containerId.replace(/^containerd:\/\//, "");
  const v1 = findDir("/sys/fs/cgroup/memory/kubepods", id, 4);
  if (v1) {
    const cpu =
      findDir("/sys/fs/cgroup/cpu/kubepods", id, 4) ??
      findDir("/sys/fs/cgroup/cpu,cpuacct/kubepods", id, 4);
    return {
      memoryBytes: Number(
        readFileSync(join(v1, "memory.limit_in_bytes"), "utf8"),
      ),
      cpuQuotaUs: cpu
        ? Number(readFileSync(join(cpu, "cpu.cfs_quota_us"), "utf8"))
        : Number.NaN,
    };
  }
  const v2 =
    findDir("/sys/fs/cgroup/kubepods", id, 4) ??
    findDir("/sys/fs/cgroup/kubepods.slice", id, 4);
  if (!v2)
    throw new Error(`no cgroup for container ${id} under /sys/fs/cgroup`);
  const [quota] = readFileSync(join(v2, "cpu.max"), "utf8").trim().split(" ");
  return {
    memoryBytes: Number(readFileSync(join(v2, "memory.max"), "utf8")),
    cpuQuotaUs: quota === "max" ? -1 : Number(quota),
  };
}

/** The web Service's ClusterIP (the suite reaches Services from the node, like any pod would). */
export function serviceIp(ctx: NodeSuiteContext, name: string): string {
  return kubectlSync(ctx, [
    "-n",
    E2E.namespace,
    "get",
    "svc",
    name,
    "-o",
    "jsonpath={.spec.clusterIP}",
  ]).trim();
}

/** CPU time and memory of a container from its cgroup (v1: cpuacct + memory.stat; v2: cpu.stat + memory.stat). */
export function cgroupUsage(containerId: string): {
  cpuSeconds: number;
  rssBytes: number;
  anonBytes: number;
  /** The most memory the container's cgroup has charged since it started (v1 max_usage, v2 peak). */
  peakBytes: number;
} {
  const id = containerId.replace(/^containerd:\/\//, "");
  const stat = (dir: string) =>
    Object.fromEntries(
      readFileSync(join(dir, "memory.stat"), "utf8")
        .trim()
        .split("\n")
        .map((line) => line.split(" ") as [string, string])
        .map(([key, value]) => [key, Number(value)]),
    );
  const memory = findDir("/sys/fs/cgroup/memory/kubepods", id, 4);
  const cpu =
    findDir("/sys/fs/cgroup/cpuacct/kubepods", id, 4) ??
    findDir("/sys/fs/cgroup/cpu,cpuacct/kubepods", id, 4);
  if (memory && cpu) {
    const m = stat(memory);
    return {
      cpuSeconds:
        Number(readFileSync(join(cpu, "cpuacct.usage"), "utf8")) / 1e9,
      // anonymous + file-mapped pages: what `ps` calls the process's RSS
      rssBytes: (m.rss ?? 0) + (m.mapped_file ?? 0),
      anonBytes: m.rss ?? 0,
      peakBytes: Number(
        readFileSync(join(memory, "memory.max_usage_in_bytes"), "utf8"),
      ),
    };
  }
  const v2 =
    findDir("/sys/fs/cgroup/kubepods", id, 4) ??
    findDir("/sys/fs/cgroup/kubepods.slice", id, 4);
  if (!v2)
    throw new Error(`no cgroup for container ${id} under /sys/fs/cgroup`);
  const usec =
    /usage_usec (\d+)/.exec(readFileSync(join(v2, "cpu.stat"), "utf8"))?.[1] ??
    "0";
  const m = stat(v2);
  return {
    cpuSeconds: Number(usec) / 1e6,
    rssBytes: (m.anon ?? 0) + (m.file_mapped ?? 0),
    anonBytes: m.anon ?? 0,
    peakBytes: existsSync(join(v2, "memory.peak"))
      ? Number(readFileSync(join(v2, "memory.peak"), "utf8"))
      : Number.NaN,
  };
}
