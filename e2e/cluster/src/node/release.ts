// The chart installed the way a user would on a cluster without a registry: local images
// (pullPolicy Never), a database Secret, the kubelet CA for the agent.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { REPO_ROOT } from "../global-setup";

export type NodeSuiteContext = {
  kubeconfigPath: string;
  kubectlPath: string;
  helmPath: string;
  /** PostgreSQL as this machine reaches it. */
  databaseUrl: string;
  /** The same database as the pods reach it (the node IP). */
  podDatabaseUrl: string;
  registry: string;
  /** The local node's state dir (pki, logs); undefined with KUBECONFIG. */
  clusterDir: string | undefined;
  resultsFile: string;
};

export const E2E = {
  namespace: "kubewise-node",
  release: "kw",
  clusterName: "kw-node-e2e",
  webUrl: "http://kw-web.kubewise-node.svc:80",
  /** The agent's collection interval once the loop switched it to cgroupfs (the kill test's pace). */
  fastCollectionSeconds: 1,
} as const;

export function run(
  ctx: NodeSuiteContext,
  file: string,
  args: string[],
  stdin?: string,
): string {
  return execFileSync(file, args, {
    encoding: "utf8",
    env: { ...process.env, KUBECONFIG: ctx.kubeconfigPath },
    input: stdin,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

export const kubectlSync = (
  ctx: NodeSuiteContext,
  args: string[],
  stdin?: string,
) => run(ctx, ctx.kubectlPath, args, stdin);

/** Helm values of the suite: the chart's defaults plus what this cluster needs. */
function releaseValues(ctx: NodeSuiteContext): Record<string, unknown> {
  return {
    clusterName: E2E.clusterName,
    // one node, one agent: a round needs one participant, and is due every minute once the agent
    // is eligible (federated.node.test.ts gives it the history; then no other for 6 h)
    modelUpdateSchedule: "* * * * *",
    federated: {
      enabled: true,
      minClients: 1,
      roundDeadlineSeconds: 300,
      pollSeconds: 10,
    },
    image: {
      registry: ctx.registry,
      pullPolicy: ctx.registry === "localhost" ? "Never" : "IfNotPresent",
    },
    aggregator: {
      replicas: 1,
      recommendIntervalSeconds: 20,
      resources: {
        requests: { cpu: "50m", memory: "128Mi" },
        limits: { memory: "512Mi" },
      },
    },
    agent: {
      kubelet: { caConfigMap: "kubelet-ca" },
      // the cost is measured with the forecaster in memory (loop.node.test.ts)
      preloadForecaster: true,
      resources: {
        requests: { cpu: "10m", memory: "64Mi" },
        limits: { memory: "128Mi" },
      },
    },
    controller: {
      // one pod per workload: the first step resizes it in place; the step window keeps the
      // rollout there (no template widening) while the suite inspects the pod
      rolloutSteps: "0.5,1",
      rolloutStepWindowSeconds: 3600,
      observationWindowSeconds: 3600,
      baselineWindowSeconds: 3600,
    },
    web: {
      url: E2E.webUrl,
      resources: {
        requests: { cpu: "20m", memory: "128Mi" },
        limits: { memory: "512Mi" },
      },
    },
  };
}

export function installRelease(
  ctx: NodeSuiteContext,
  log: (m: string) => void,
): void {
  const k = (args: string[], stdin?: string) => kubectlSync(ctx, args, stdin);
  k(["create", "namespace", E2E.namespace, "--dry-run=client", "-o", "yaml"]);
  k(
    ["apply", "-f", "-"],
    k(["create", "namespace", E2E.namespace, "--dry-run=client", "-o", "yaml"]),
  );
  k(
    ["apply", "-f", "-"],
    k([
      "-n",
      E2E.namespace,
      "create",
      "secret",
      "generic",
      "kubewise-database",
      `--from-literal=url=${ctx.podDatabaseUrl}`,
      "--dry-run=client",
      "-o",
      "yaml",
    ]),
  );
  const ca =
    ctx.clusterDir === undefined
      ? undefined
      : join(ctx.clusterDir, "pki", "ca.crt");
  if (ca !== undefined && existsSync(ca))
    k(
      ["apply", "-f", "-"],
      k([
        "-n",
        E2E.namespace,
        "create",
        "configmap",
        "kubelet-ca",
        `--from-file=ca.crt=${ca}`,
        "--dry-run=client",
        "-o",
        "yaml",
      ]),
    );
  // a release left by an earlier run (KEEP_CLUSTER, or a run that failed before helm uninstall)
  // carries its pods' state and the --set values of its steps: start from a fresh install
  try {
    run(ctx, ctx.helmPath, ["status", E2E.release, "-n", E2E.namespace]);
    log(`uninstalling the release an earlier run left`);
    run(ctx, ctx.helmPath, [
      "uninstall",
      E2E.release,
      "-n",
      E2E.namespace,
      "--wait",
      "--timeout",
      "120s",
    ]);
  } catch {
    // not installed
  }
  const values = join(REPO_ROOT, "dist", "e2e-node-values.json");
  writeFileSync(values, JSON.stringify(releaseValues(ctx), null, 2));
  log(
    `helm upgrade --install ${E2E.release} charts/kubewise -n ${E2E.namespace} (values ${values})`,
  );
  run(ctx, ctx.helmPath, [
    "upgrade",
    "--install",
    E2E.release,
    join(REPO_ROOT, "charts", "kubewise"),
    "-n",
    E2E.namespace,
    "-f",
    values,
  ]);
}

type PodList = {
  items: {
    metadata: { name: string };
    status: {
      phase?: string;
      conditions?: { type: string; status: string }[];
      containerStatuses?: {
        state?: Record<string, { reason?: string; message?: string }>;
      }[];
    };
  }[];
};

/** Pods of the release, optionally of one component; `T` is the part of the pod the caller reads. */
export function releasePods<T = PodList["items"][number]>(
  ctx: NodeSuiteContext,
  component?: string,
): T[] {
  const selector = [
    `app.kubernetes.io/instance=${E2E.release}`,
    ...(component === undefined
      ? []
      : [`app.kubernetes.io/component=${component}`]),
  ].join(",");
  const list = kubectlSync(ctx, [
    "-n",
    E2E.namespace,
    "get",
    "pods",
    "-l",
    selector,
    "-o",
    "json",
  ]);
  return (JSON.parse(list) as { items: T[] }).items;
}

export const isReady = (pod: PodList["items"][number]) =>
  pod.status.conditions?.some(
    (c) => c.type === "Ready" && c.status === "True",
  ) === true;

/**
 * Waiting reasons the kubelet never leaves on its own: with pullPolicy Never a missing image is
 * final (ErrImageNeverPull), so the suite says so at once instead of after the 5-minute deadline.
 */
const NEVER_STARTS = new Set(["ErrImageNeverPull", "InvalidImageName"]);

/** Waits (up to 5 min) until every pod of the release is Ready, printing what it waits for. */
export async function waitForReleasePods(
  ctx: NodeSuiteContext,
  log: (m: string) => void,
) {
  const deadline = Date.now() + 300_000;
  let last = "";
  for (;;) {
    const pods = releasePods(ctx);
    const waiting = pods.filter((p) => !isReady(p));
    const line = waiting
      .map((p) => {
        const state = p.status.containerStatuses?.[0]?.state ?? {};
        const [name, detail] = Object.entries(state)[0] ?? ["", {}];
        return `${p.metadata.name}: ${p.status.phase ?? "?"} ${name} ${detail.reason ?? ""}`.trim();
      })
      .join("; ");
    if (pods.length >= 3 && waiting.length === 0) return;
    const stuck = waiting.flatMap((p) =>
      (p.status.containerStatuses ?? []).flatMap((c) => {
        const w = c.state?.waiting;
        return w?.reason !== undefined && NEVER_STARTS.has(w.reason)
          ? [`${p.metadata.name}: ${w.reason}: ${w.message ?? ""}`]
          : [];
      }),
    );
    if (stuck.length > 0)
      throw new Error(
        `release pods cannot start: ${stuck.join("; ")} (the local node imports dist/images: run npm run images; another cluster needs the images on its nodes or in KUBEWISE_E2E_IMAGE_REGISTRY)`,
      );
    if (line !== last) log(`waiting for pods: ${line || "none created yet"}`);
    last = line;
    if (Date.now() > deadline)
      throw new Error(`release pods not Ready after 300 s: ${line}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** The running container of a pod, from containerd (the pod status lags behind a restart). */
function runningContainer(podName: string, container: string): string {
  const ids = execFileSync(
    "ctr",
    [
      "-n",
      "k8s.io",
      "containers",
      "ls",
      "-q",
      `labels."io.kubernetes.pod.name"==${podName},labels."io.kubernetes.container.name"==${container}`,
    ],
    { encoding: "utf8" },
  )
    .split("\n")
    .filter((l) => l !== "");
  const running = execFileSync("ctr", ["-n", "k8s.io", "tasks", "ls"], {
    encoding: "utf8",
  })
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find(([id, , status]) => ids.includes(id ?? "") && status === "RUNNING");
  if (running?.[0] === undefined)
    throw new Error(`no running ${container} container in pod ${podName}`);
  return running[0];
}

/** SIGKILL from the node, as the kernel's OOM killer or a crash would end the process. */
export function killContainer(podName: string, container: string): void {
  execFileSync("ctr", [
    "-n",
    "k8s.io",
    "tasks",
    "kill",
    "-s",
    "SIGKILL",
    runningContainer(podName, container),
  ]);
}
