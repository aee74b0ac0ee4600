import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

import {
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { inject } from "vitest";

import {
  combineAuditSinks,
  createEventAuditSink,
  createKubeClients,
  createLeaseElector,
  createLifecycleController,
  createNamespacePolicyResolver,
  createRecommendationPublisher,
  createRecommendationStore,
  createWorkloadStore,
  DEFAULT_CONTROLLER_POLICY,
  type AuditSink,
  type ControllerPolicy,
  type KubeClients,
  type LifecycleController,
  type LifecycleControllerDeps,
  type SignalsReader,
  type WorkloadStore,
} from "@kubewise/controller";
import {
  hashRecommendedResources,
  type Approval,
  type ResourceRecommendation,
  type WorkloadRecommendation,
} from "@kubewise/k8s";

const execFileAsync = promisify(execFile);

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("kubeconfigPath"));
  return kc;
}

export function adminClients(): KubeClients {
  return createKubeClients(adminKubeConfig());
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

export async function kubectl(
  args: string[],
  options: { as?: string; stdin?: string } = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const full = [...args, ...(options.as ? [`--as=${options.as}`] : [])];
  try {
    const running = execFileAsync(inject("kubectlPath"), full, {
      env: { ...process.env, KUBECONFIG: inject("kubeconfigPath") },
    });
    running.child.stdin?.end(options.stdin ?? "");
    const { stdout, stderr } = await running;
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return {
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
      code: typeof e.code === "number" ? e.code : 1,
    };
  }
}

/** `kubectl patch rrec <name> --type merge` (optionally impersonating a user with --as). */
export function patchRecommendation(
  target: { namespace: string; name: string },
  body: unknown,
  options: { as?: string } = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const { namespace, name } = target;
  const patch = typeof body === "string" ? body : JSON.stringify(body);
  return kubectl(
    ["patch", "rrec", name, "-n", namespace, "--type", "merge", "-p", patch],
    options,
  );
}

export function controllerUsername(): string {
  return `system:serviceaccount:${inject("chartNamespace")}:${inject("controllerServiceAccount")}`;
}

/**
 * A KubeConfig that authenticates as the chart's controller ServiceAccount with a real bound
 * token (TokenRequest), so tests exercise the chart's RBAC and admission policy, not admin rights.
 */
export async function controllerKubeConfig(): Promise<KubeConfig> {
  return serviceAccountKubeConfig({
    namespace: inject("chartNamespace"),
    name: inject("controllerServiceAccount"),
  });
}

/** A KubeConfig that authenticates as this ServiceAccount with a real token (TokenRequest). */
export async function serviceAccountKubeConfig(account: {
  namespace: string;
  name: string;
}): Promise<KubeConfig> {
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    ...account,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token ?? "";
  const cluster = admin.getCurrentCluster();
  if (!cluster || !token)
    throw new Error(
      `cannot build a kubeconfig for ${account.namespace}/${account.name}`,
    );
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: account.name, token }],
    contexts: [
      { name: account.name, cluster: cluster.name, user: account.name },
    ],
    currentContext: account.name,
  });
  return kc;
}

type RecordedAudit = Parameters<AuditSink["record"]>[0];

const MIB = 2 ** 20;
const silent = {
  info: () => undefined,
  warn: () => undefined,
  error: (fields: Record<string, unknown>, message: string) =>
    console.error(message, fields),
};

/**
 * A metric store with samples for every container in both windows, no throttling, no OOM kill
 * and a small working set. These tests are about the API server; rollout.cluster.test.ts and
 * services-sync read the real store (PostgreSQL), faults.cluster.test.ts an unreadable one.
 */
function observedSignals(workingSetBytes = 64 * MIB): SignalsReader {
  const window = (windowSeconds: number) => ({
    sampleCount: 6,
    throttlingRatio: 0,
    oomKills: 0,
    windowSeconds,
    workingSetPeakBytes: workingSetBytes,
  });
  return (query) =>
    Promise.resolve({
      containers: query.containerNames.map((name) => ({
        name,
        baseline: window(3600),
        observation: window(60),
      })),
    });
}

/** The one production publisher (createRecommendationPublisher), as the aggregator wires it. */
export async function publish(
  kubeConfig: KubeConfig,
  ...recommendations: WorkloadRecommendation[]
): Promise<void> {
  const clients = createKubeClients(kubeConfig);
  const publisher = createRecommendationPublisher({
    recommendations: createRecommendationStore(clients),
    workloads: createWorkloadStore(clients),
    logger: silent,
  });
  for (const recommendation of recommendations)
    await publisher.publish(recommendation);
}

/** spec.approval naming exactly this spec (an approval without specHash is refused). */
export function approvalOf(
  rec: Pick<ResourceRecommendation, "spec">,
  by: string,
): Approval {
  return {
    state: "Approved",
    by,
    at: new Date().toISOString().slice(0, 19) + "Z",
    specHash: hashRecommendedResources(rec.spec),
  };
}

export type TestController = {
  controller: LifecycleController;
  audit: RecordedAudit[];
  identity: string;
  /** Publishes through the one production publisher with this controller's credentials. */
  publish(...recommendations: WorkloadRecommendation[]): Promise<void>;
  /** Every body the controller handed to the API server for a workload or pod, in order. */
  sent: SentWrite[];
  /**
   * The process dies right after the first write matching `after` reaches the API server: it
   * writes nothing more (no status, no Lease renewal, no release), as if SIGKILLed there.
   */
  killAfter(after: (write: SentWrite) => boolean): void;
  /** Renews the Lease without reconciling (the aggregator's elector renews on its own schedule). */
  renewLease(): Promise<boolean>;
};

type SentWrite = {
  op: "patchResources" | "resizePod";
  name: string;
  body: string;
};

/** Whether the instance still runs; every write asks first. */
type Life = {
  killAfter?: (write: SentWrite) => boolean;
  dead: boolean;
};

function assertAlive(life: Life): void {
  if (life.dead) throw new Error("killed: this instance writes nothing more");
}

/** The real workload store, recording the exact bodies the controller sends. */
function recordingWorkloadStore(
  clients: KubeClients,
  sent: SentWrite[],
  life: Life,
): WorkloadStore {
  const store = createWorkloadStore(clients);
  const record = async (write: SentWrite, send: () => Promise<void>) => {
    assertAlive(life);
    sent.push(write);
    await send();
    if (life.killAfter?.(write)) life.dead = true;
  };
  const alive = async (send: () => Promise<void>) => {
    assertAlive(life);
    await send();
  };
  return {
    ...store,
    annotate: (ref, annotations) =>
      alive(() => store.annotate(ref, annotations)),
    setPartition: (ref, partition) =>
      alive(() => store.setPartition(ref, partition)),
    rollbackTemplate: (ref, patch) =>
      alive(() => store.rollbackTemplate(ref, patch)),
    patchResources: (ref, body) =>
      record({ op: "patchResources", name: ref.name, body }, () =>
        store.patchResources(ref, body),
      ),
    resizePod: (ref, body) =>
      record({ op: "resizePod", name: ref.name, body }, () =>
        store.resizePod(ref, body),
      ),
  };
}

export function createTestController(
  kubeConfig: KubeConfig,
  options: {
    identity: string;
    leaseName: string;
    policy?: Partial<ControllerPolicy>;
    /** Read the namespaces' safety rules through the API instead of a fixed policy. */
    namespaceRules?: boolean;
    /** Namespaces this controller reconciles; keeps tests independent of each other's objects. */
    namespaces: string[];
    leaseDurationSeconds?: number;
    signalsFor?: LifecycleControllerDeps["signalsFor"];
    /** The elector's clock (Lease expiry is judged by this instance's observation on it). */
    electorNow?: () => Date;
  },
): TestController {
  const clients = createKubeClients(kubeConfig);
  const audit: RecordedAudit[] = [];
  const sent: SentWrite[] = [];
  const life: Life = { dead: false };
  const recommendations = createRecommendationStore(clients);
  const elector = createLeaseElector(clients, {
    namespace: inject("chartNamespace"),
    leaseName: options.leaseName,
    identity: options.identity,
    leaseDurationSeconds: options.leaseDurationSeconds ?? 15,
    ...(options.electorNow ? { now: options.electorNow } : {}),
  });
  // The sample workloads change 1 CPU -> 250m (4x): the step cap has its own test (guards).
  const policy = {
    ...DEFAULT_CONTROLLER_POLICY,
    maxStepRatio: 16,
    ...options.policy,
  };
  const controller = createLifecycleController({
    recommendations: {
      ...recommendations,
      applyStatus: async (...args) => {
        assertAlive(life);
        return recommendations.applyStatus(...args);
      },
    },
    workloads: recordingWorkloadStore(clients, sent, life),
    elector: {
      identity: elector.identity,
      isLeader: () => elector.isLeader(),
      tryAcquireOrRenew: async () => {
        assertAlive(life);
        return elector.tryAcquireOrRenew();
      },
      // a killed process releases nothing: the others wait for the Lease to expire
      release: () => (life.dead ? Promise.resolve() : elector.release()),
    },
    audit: combineAuditSinks(
      {
        record(event) {
          audit.push(event);
          return Promise.resolve();
        },
      },
      createEventAuditSink(clients, { instance: options.identity }),
    ),
    logger: silent,
    namespaces: options.namespaces,
    signalsFor: options.signalsFor ?? observedSignals(),
    policyFor: options.namespaceRules
      ? createNamespacePolicyResolver(clients, { base: policy, ttlMs: 0 })
      : () => Promise.resolve(policy),
  });
  return {
    controller,
    audit,
    identity: options.identity,
    publish: (...recommendations) => publish(kubeConfig, ...recommendations),
    sent,
    renewLease: () =>
      life.dead ? Promise.resolve(false) : elector.tryAcquireOrRenew(),
    killAfter(after) {
      life.killAfter = after;
    },
  };
}

export async function createNamespace(
  clients: KubeClients,
  prefix: string,
): Promise<string> {
  const name = uniqueName(prefix);
  await clients.core.createNamespace({
    body: { metadata: { name, labels: { "kubewise.io/e2e": "true" } } },
  });
  return name;
}

export async function deleteNamespace(
  clients: KubeClients,
  name: string,
): Promise<void> {
  await clients.core.deleteNamespace({ name });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export type SampleContainer = {
  name: string;
  image: string;
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
};

/** A Deployment whose pods never run (no kubelet), labelled app=<name>. */
export async function createDeployment(
  clients: KubeClients,
  namespace: string,
  options: { name: string; replicas: number; containers: SampleContainer[] },
): Promise<void> {
  const { name, replicas } = options;
  await clients.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels: { app: name } },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: options.containers,
          },
        },
      },
    },
  });
}

/** A nightly CronJob with one container `app` (its job template is what Kubewise patches). */
export async function createCronJob(
  clients: KubeClients,
  namespace: string,
  options: { name: string; container: SampleContainer },
): Promise<void> {
  await clients.batch.createNamespacedCronJob({
    namespace,
    body: {
      metadata: { name: options.name },
      spec: {
        schedule: "0 3 * * *",
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: "Never",
                containers: [{ ...options.container, name: "app" }],
              },
            },
          },
        },
      },
    },
  });
}

export async function createSampleDeployment(
  clients: KubeClients,
  namespace: string,
  name = "web",
): Promise<void> {
  await createDeployment(clients, namespace, {
    name,
    replicas: 2,
    containers: [
      {
        name: "app",
        image: "registry.invalid/kubewise/sample:1",
        resources: {
          requests: { cpu: "1", memory: "1Gi" },
          limits: { memory: "2Gi" },
        },
      },
      { name: "sidecar", image: "registry.invalid/kubewise/sidecar:1" },
    ],
  });
}

/** Lets `users` (impersonated with --as) create, read and patch ResourceRecommendations in `namespace`. */
export async function grantRecommendationEditors(
  namespace: string,
  users: string[],
): Promise<void> {
  const name = "e2e-recommendation-editor";
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name },
      rules: [
        {
          apiGroups: ["kubewise.io"],
          resources: ["resourcerecommendations"],
          verbs: ["get", "list", "create", "patch"],
        },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: users.map((user) => ({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "User",
        name: user,
      })),
    },
  });
}

/** No kubelet runs: report an OOM kill of `container` through the pod's status subresource, as a kubelet would. */
export async function reportOomKill(
  clients: KubeClients,
  pod: { namespace: string; name: string },
  containers: { oomKilled: string; others: string[] },
): Promise<void> {
  const finishedAt =
    new Date(Date.now() + 1000).toISOString().slice(0, 19) + "Z";
  await clients.core.patchNamespacedPodStatus(
    {
      ...pod,
      body: {
        status: {
          containerStatuses: [containers.oomKilled, ...containers.others].map(
            (c) => ({
              name: c,
              image: "registry.invalid/kubewise/sample:1",
              imageID: "",
              ready: false,
              restartCount: c === containers.oomKilled ? 1 : 0,
              state: { waiting: { reason: "CrashLoopBackOff" } },
              ...(c === containers.oomKilled
                ? {
                    lastState: {
                      terminated: {
                        exitCode: 137,
                        reason: "OOMKilled",
                        finishedAt,
                      },
                    },
                  }
                : {}),
            }),
          ),
        },
      },
    },
    setHeaderOptions("Content-Type", "application/merge-patch+json"),
  );
}
