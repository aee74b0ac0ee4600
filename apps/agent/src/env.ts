import { hostname, tmpdir } from "node:os";
import { join } from "node:path";

import { z } from "zod";

import {
  aggregatorTls,
  type AggregatorTls,
} from "./adapters/grpc/agent-client";
import {
  SERVICE_ACCOUNT_DIR,
  type KubeletConfig,
} from "./adapters/kube/kube-access";
import { SCORER_RUNTIMES, type ScorerRuntime } from "./adapters/onnx-scorer";
import { SOURCE_KINDS } from "./domain/types";

const int = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  KUBEWISE_AGGREGATOR_TARGET: z.string().min(1).default("127.0.0.1:50051"),
  KUBEWISE_AGGREGATOR_CA_FILE: z.string().min(1).optional(),
  KUBEWISE_AGGREGATOR_SERVER_NAME: z.string().min(1).optional(),
  KUBEWISE_NODE_NAME: z.string().min(1).default(hostname()),
  /** The cluster this agent belongs to, declared at Register (unset: the aggregator's own). */
  KUBEWISE_CLUSTER_NAME: z.string().min(1).max(253).optional(),
  // The cluster's identity beyond its name, declared at Register: the kube-system namespace's UID.
  // auto: read it in a pod (KUBERNETES_SERVICE_HOST) or with KUBEWISE_KUBECONFIG; off: name only.
  KUBEWISE_CLUSTER_UID_SOURCE: z
    .enum(["auto", "kube-system", "off"])
    .default("auto"),
  KUBEWISE_AGENT_ID: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,128}$/)
    .optional(),
  KUBEWISE_TOKEN: z.string().min(1).optional(),
  KUBEWISE_TOKEN_FILE: z.string().min(1).optional(),
  KUBEWISE_SOURCE: z.enum(SOURCE_KINDS).default("synthetic"),
  KUBEWISE_COLLECTION_INTERVAL_SECONDS: z.coerce
    .number()
    .min(0.05)
    .max(3600)
    .default(10),
  KUBEWISE_CGROUP_ROOT: z.string().default("/sys/fs/cgroup"),
  // kubelet source: https://<KUBEWISE_NODE_IP>:<port> unless KUBEWISE_KUBELET_URL overrides it.
  KUBEWISE_NODE_IP: z.union([z.ipv4(), z.ipv6()]).optional(),
  KUBEWISE_KUBELET_PORT: int(1, 65_535).default(10_250),
  KUBEWISE_KUBELET_URL: z
    .url({
      protocol: /^https$/,
      error:
        "must be an https:// URL (the bearer token never travels in clear)",
    })
    .optional(),
  KUBEWISE_KUBELET_TOKEN_FILE: z
    .string()
    .min(1)
    .default(`${SERVICE_ACCOUNT_DIR}/token`),
  KUBEWISE_KUBELET_CA_FILE: z.string().min(1).optional(),
  KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY: z
    .enum(["true", "false"])
    .default("false"),
  KUBEWISE_REPLAY_PATH: z.string().min(1).optional(),
  KUBEWISE_REPLAY_MAX_SERIES: int(1, 100_000).default(50),
  KUBEWISE_SYNTHETIC_CONTAINERS: int(1, 100_000).default(50),
  KUBEWISE_SYNTHETIC_SEED: int(0, 2 ** 31).default(1),
  KUBEWISE_SIM_SPEED: z.coerce.number().min(1).max(1e6).default(1),
  KUBEWISE_SIM_BACKFILL_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(0),
  KUBEWISE_ACK_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(15),
  KUBEWISE_SIM_DURATION_HOURS: z.coerce
    .number()
    .positive()
    .max(87_600)
    .optional(),
  KUBEWISE_SAMPLE_STEP_SECONDS: z.coerce.number().min(1).max(3600).default(10),
  KUBEWISE_NAMESPACE: z.string().min(1).default("default"),
  KUBEWISE_BUFFER_DIR: z.string().min(1).optional(),
  KUBEWISE_BUFFER_MAX_BYTES: int(1 << 20, 2 ** 40).default(64 << 20),
  // Batches the aggregator refused for good are kept in <buffer dir>/rejected up to this size.
  KUBEWISE_QUARANTINE_MAX_BYTES: int(0, 2 ** 40).default(16 << 20),
  KUBEWISE_FSYNC_INTERVAL_MS: int(10, 1_000).default(500),
  KUBEWISE_MAX_BATCH_SAMPLES: int(1, 100_000).default(5_000),
  KUBEWISE_MAX_IN_FLIGHT: int(1, 1_000).default(8),
  KUBEWISE_METRICS_PORT: int(0, 65_535).default(9464),
  // Local forecaster + anomaly detectors; flags ride in the next batch.
  KUBEWISE_SCORING: z.enum(["on", "off"]).default("on"),
  KUBEWISE_SCORER_RUNTIME: z.enum(SCORER_RUNTIMES).default("typescript"),
  // Folder holding kubewise-forecaster-v1.onnx; default packages/ml/models (the image sets /app/models).
  KUBEWISE_MODEL_DIR: z.string().min(1).optional(),
  // true: load the forecaster at start (otherwise once a container has 6 h of history)
  KUBEWISE_SCORER_PRELOAD: z.enum(["true", "false"]).default("false"),
  KUBEWISE_SCORE_INTERVAL_SECONDS: z.coerce
    .number()
    .min(1)
    .max(86_400)
    .default(300),
  // Federated training: local history of 5-min slots, rounds in a child process (issue 14).
  KUBEWISE_FEDERATED: z.enum(["on", "off"]).default("on"),
  KUBEWISE_HISTORY_DIR: z.string().min(1).optional(),
  KUBEWISE_HISTORY_DAYS: int(4, 60).default(8),
  // Where the agent keeps the model the aggregator assigned (default <buffer dir>/model).
  KUBEWISE_ASSIGNED_MODEL_DIR: z.string().min(1).optional(),
  KUBEWISE_FL_POLL_SECONDS: z.coerce.number().min(0.05).max(86_400).default(60),
  KUBEWISE_FL_WORKER_HEAP_MB: int(16, 4096).default(48),
  KUBEWISE_FL_WORKER_TIMEOUT_SECONDS: z.coerce
    .number()
    .min(1)
    .max(3600)
    .default(120),
  // auto: from the Kubernetes API for cgroupfs/kubelet when in-cluster config or a kubeconfig exists.
  KUBEWISE_POD_METADATA: z.enum(["auto", "kubernetes", "off"]).default("auto"),
  KUBEWISE_KUBECONFIG: z.string().min(1).optional(),
  KUBERNETES_SERVICE_HOST: z.string().min(1).optional(),
  KUBERNETES_SERVICE_PORT: z.string().regex(/^\d+$/).default("443"),
  KUBEWISE_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
});

// Cross-field rules, checked on the raw input so they are reported together with field errors.
function crossFieldProblems(
  source: Record<string, string | undefined>,
): string[] {
  const problems: string[] = [];
  if (
    source.KUBEWISE_TOKEN === undefined &&
    source.KUBEWISE_TOKEN_FILE === undefined
  ) {
    problems.push(
      "KUBEWISE_TOKEN: set KUBEWISE_TOKEN (shared demo token) or KUBEWISE_TOKEN_FILE (projected service-account token)",
    );
  }
  if (
    source.KUBEWISE_SOURCE === "replay" &&
    source.KUBEWISE_REPLAY_PATH === undefined
  ) {
    problems.push(
      "KUBEWISE_REPLAY_PATH: KUBEWISE_SOURCE=replay needs a traces folder or a tidy .csv(.gz) file",
    );
  }
  return [
    ...problems,
    ...kubeletProblems(source),
    ...podMetadataProblems(source),
    ...clusterUidProblems(source),
  ];
}

function kubeletProblems(source: Record<string, string | undefined>): string[] {
  if (source.KUBEWISE_SOURCE !== "kubelet") return [];
  const problems: string[] = [];
  if (
    source.KUBEWISE_NODE_IP === undefined &&
    source.KUBEWISE_KUBELET_URL === undefined
  )
    problems.push(
      "KUBEWISE_NODE_IP: KUBEWISE_SOURCE=kubelet needs the node's IP (fieldRef status.hostIP) or KUBEWISE_KUBELET_URL",
    );
  if (
    source.KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY === "true" &&
    source.KUBEWISE_KUBELET_CA_FILE !== undefined
  )
    problems.push(
      "KUBEWISE_KUBELET_CA_FILE: set a CA file or KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY=true, not both",
    );
  return problems;
}

function podMetadataProblems(
  source: Record<string, string | undefined>,
): string[] {
  if (source.KUBEWISE_POD_METADATA !== "kubernetes") return [];
  const problems: string[] = [];
  if (
    source.KUBEWISE_KUBECONFIG === undefined &&
    source.KUBERNETES_SERVICE_HOST === undefined
  )
    problems.push(
      "KUBEWISE_POD_METADATA: kubernetes needs in-cluster config (KUBERNETES_SERVICE_HOST) or KUBEWISE_KUBECONFIG",
    );
  if (source.KUBEWISE_NODE_NAME === undefined)
    problems.push(
      "KUBEWISE_NODE_NAME: pod metadata from the API needs the node name (fieldRef spec.nodeName)",
    );
  return problems;
}

function clusterUidProblems(
  source: Record<string, string | undefined>,
): string[] {
  return source.KUBEWISE_CLUSTER_UID_SOURCE === "kube-system" &&
    source.KUBEWISE_KUBECONFIG === undefined &&
    source.KUBERNETES_SERVICE_HOST === undefined
    ? [
        "KUBEWISE_CLUSTER_UID_SOURCE: kube-system needs in-cluster config (KUBERNETES_SERVICE_HOST) or KUBEWISE_KUBECONFIG",
      ]
    : [];
}

function toKubeletConfig(
  e: z.infer<typeof EnvSchema>,
): KubeletConfig | undefined {
  if (e.KUBEWISE_SOURCE !== "kubelet") return undefined;
  const ip = e.KUBEWISE_NODE_IP ?? "";
  const host = ip.includes(":") ? `[${ip}]` : ip;
  return {
    url: (
      e.KUBEWISE_KUBELET_URL ?? `https://${host}:${e.KUBEWISE_KUBELET_PORT}`
    ).replace(/\/$/, ""),
    tokenFile: e.KUBEWISE_KUBELET_TOKEN_FILE,
    tls:
      e.KUBEWISE_KUBELET_INSECURE_SKIP_TLS_VERIFY === "true"
        ? { kind: "insecure-skip-verify" }
        : {
            kind: "ca-file",
            path: e.KUBEWISE_KUBELET_CA_FILE ?? `${SERVICE_ACCOUNT_DIR}/ca.crt`,
          },
  };
}

/** How the agent reaches the API server: in-cluster config or a kubeconfig. */
type KubeApiConfig =
  | { kind: "kubeconfig"; path: string }
  | { kind: "in-cluster"; host: string; port: string };

/** Where pod metadata comes from: the API server (cgroupfs/kubelet in a cluster), else the source itself. */
export type PodMetadataConfig = KubeApiConfig;

function toKubeApiConfig(
  e: z.infer<typeof EnvSchema>,
): KubeApiConfig | undefined {
  if (e.KUBEWISE_KUBECONFIG !== undefined)
    return { kind: "kubeconfig", path: e.KUBEWISE_KUBECONFIG };
  return e.KUBERNETES_SERVICE_HOST === undefined
    ? undefined
    : {
        kind: "in-cluster",
        host: e.KUBERNETES_SERVICE_HOST,
        port: e.KUBERNETES_SERVICE_PORT,
      };
}

/** Where the kube-system UID is read from at start (undefined: the agent declares its name only). */
function toClusterUidConfig(
  e: z.infer<typeof EnvSchema>,
): KubeApiConfig | undefined {
  return e.KUBEWISE_CLUSTER_UID_SOURCE === "off"
    ? undefined
    : toKubeApiConfig(e);
}

function toPodMetadataConfig(
  e: z.infer<typeof EnvSchema>,
  nodeNameSet: boolean,
): PodMetadataConfig | undefined {
  const wanted =
    e.KUBEWISE_POD_METADATA === "kubernetes" ||
    (e.KUBEWISE_POD_METADATA === "auto" &&
      (e.KUBEWISE_SOURCE === "cgroupfs" || e.KUBEWISE_SOURCE === "kubelet") &&
      nodeNameSet);
  return wanted ? toKubeApiConfig(e) : undefined;
}

export type AgentEnv = Readonly<{
  aggregatorTarget: string;
  aggregatorTls: AggregatorTls | undefined;
  nodeName: string;
  agentId: string;
  /** Declared at Register; "" = none (the aggregator takes the agent as its own cluster's). */
  clusterName: string;
  /** Read the kube-system namespace's UID at start and declare it at Register (undefined: none). */
  clusterUid: KubeApiConfig | undefined;
  token: { kind: "static"; value: string } | { kind: "file"; path: string };
  source: (typeof SOURCE_KINDS)[number];
  collectionIntervalMs: number;
  cgroupRoot: string;
  /** Set for KUBEWISE_SOURCE=kubelet only. */
  kubelet: KubeletConfig | undefined;
  replayPath: string | undefined;
  replayMaxSeries: number;
  syntheticContainers: number;
  syntheticSeed: number;
  simSpeed: number;
  simBackfillMs: number;
  simDurationMs: number | undefined;
  ackTimeoutMs: number;
  sampleStepMs: number;
  namespace: string;
  bufferDir: string;
  bufferMaxBytes: number;
  quarantineMaxBytes: number;
  fsyncIntervalMs: number;
  maxBatchSamples: number;
  maxInFlight: number;
  metricsPort: number;
  scoring:
    | {
        runtime: ScorerRuntime;
        intervalMs: number;
        modelDir?: string;
        preload: boolean;
      }
    | undefined;
  podMetadata: PodMetadataConfig | undefined;
  /** Undefined when KUBEWISE_FEDERATED=off. */
  federated: FederatedConfig | undefined;
  logLevel: string;
}>;

export type FederatedConfig = {
  historyDir: string;
  historyDays: number;
  modelDir: string;
  pollIntervalMs: number;
  workerHeapMb: number;
  workerTimeoutMs: number;
};

function toFederatedConfig(
  e: z.infer<typeof EnvSchema>,
  bufferDir: string,
): FederatedConfig | undefined {
  if (e.KUBEWISE_FEDERATED === "off") return undefined;
  return {
    historyDir: e.KUBEWISE_HISTORY_DIR ?? join(bufferDir, "history"),
    historyDays: e.KUBEWISE_HISTORY_DAYS,
    modelDir: e.KUBEWISE_ASSIGNED_MODEL_DIR ?? join(bufferDir, "model"),
    pollIntervalMs: Math.round(e.KUBEWISE_FL_POLL_SECONDS * 1000),
    workerHeapMb: e.KUBEWISE_FL_WORKER_HEAP_MB,
    workerTimeoutMs: Math.round(e.KUBEWISE_FL_WORKER_TIMEOUT_SECONDS * 1000),
  };
}

function toScoringConfig(e: z.infer<typeof EnvSchema>): AgentEnv["scoring"] {
  if (e.KUBEWISE_SCORING === "off") return undefined;
  return {
    runtime: e.KUBEWISE_SCORER_RUNTIME,
    intervalMs: Math.round(e.KUBEWISE_SCORE_INTERVAL_SECONDS * 1000),
    preload: e.KUBEWISE_SCORER_PRELOAD === "true",
    ...(e.KUBEWISE_MODEL_DIR === undefined
      ? {}
      : { modelDir: e.KUBEWISE_MODEL_DIR }),
  };
}

/** Parses the agent's environment once; throws one error listing every bad variable. */
export function loadEnv(
  source: Record<string, string | undefined> = process.env,
): AgentEnv {
  const parsed = EnvSchema.safeParse(source);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)),
    ...crossFieldProblems(source),
  ];
  if (!parsed.success || problems.length > 0) {
    throw new Error(`invalid agent environment:\n  ${problems.join("\n  ")}`);
  }
  const e = parsed.data;
  const agentId = e.KUBEWISE_AGENT_ID ?? e.KUBEWISE_NODE_NAME;
  const bufferDir =
    e.KUBEWISE_BUFFER_DIR ?? join(tmpdir(), `kubewise-agent-${agentId}`);
  const env: AgentEnv = {
    aggregatorTarget: e.KUBEWISE_AGGREGATOR_TARGET,
    aggregatorTls: aggregatorTls(
      e.KUBEWISE_AGGREGATOR_CA_FILE,
      e.KUBEWISE_AGGREGATOR_SERVER_NAME,
    ),
    nodeName: e.KUBEWISE_NODE_NAME,
    agentId,
    clusterName: e.KUBEWISE_CLUSTER_NAME ?? "",
    clusterUid: toClusterUidConfig(e),
    token:
      e.KUBEWISE_TOKEN_FILE !== undefined
        ? { kind: "file" as const, path: e.KUBEWISE_TOKEN_FILE }
        : { kind: "static" as const, value: e.KUBEWISE_TOKEN ?? "" },
    source: e.KUBEWISE_SOURCE,
    collectionIntervalMs: Math.round(
      e.KUBEWISE_COLLECTION_INTERVAL_SECONDS * 1000,
    ),
    cgroupRoot: e.KUBEWISE_CGROUP_ROOT,
    kubelet: toKubeletConfig(e),
    replayPath: e.KUBEWISE_REPLAY_PATH,
    replayMaxSeries: e.KUBEWISE_REPLAY_MAX_SERIES,
    syntheticContainers: e.KUBEWISE_SYNTHETIC_CONTAINERS,
    syntheticSeed: e.KUBEWISE_SYNTHETIC_SEED,
    simSpeed: e.KUBEWISE_SIM_SPEED,
    simBackfillMs: Math.round(e.KUBEWISE_SIM_BACKFILL_HOURS * 3_600_000),
    simDurationMs:
      e.KUBEWISE_SIM_DURATION_HOURS === undefined
        ? undefined
        : Math.round(e.KUBEWISE_SIM_DURATION_HOURS * 3_600_000),
    ackTimeoutMs: Math.round(e.KUBEWISE_ACK_TIMEOUT_SECONDS * 1000),
    sampleStepMs: Math.round(e.KUBEWISE_SAMPLE_STEP_SECONDS * 1000),
    namespace: e.KUBEWISE_NAMESPACE,
    bufferDir,
    bufferMaxBytes: e.KUBEWISE_BUFFER_MAX_BYTES,
    quarantineMaxBytes: e.KUBEWISE_QUARANTINE_MAX_BYTES,
    fsyncIntervalMs: e.KUBEWISE_FSYNC_INTERVAL_MS,
    maxBatchSamples: e.KUBEWISE_MAX_BATCH_SAMPLES,
    maxInFlight: e.KUBEWISE_MAX_IN_FLIGHT,
    metricsPort: e.KUBEWISE_METRICS_PORT,
    scoring: toScoringConfig(e),
    podMetadata: toPodMetadataConfig(
      e,
      source.KUBEWISE_NODE_NAME !== undefined,
    ),
    federated: toFederatedConfig(e, bufferDir),
    logLevel: e.KUBEWISE_LOG_LEVEL,
  };
  return Object.freeze(env);
}
