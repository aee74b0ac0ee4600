import { parseCronExpression } from "cron-schedule";
import { z } from "zod";

import { parseRolloutSteps } from "@kubewise/controller";
import {
  DEFAULT_FEDERATION_SETTINGS,
  type FederationSettings,
} from "@kubewise/services";

const int = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  KUBEWISE_DATA_DIR: z.string().min(1).optional(),
  KUBEWISE_MIGRATE: z.enum(["true", "false"]).default("false"),
  // What DATABASE_URL must be; anything else is refused at start (docs/storage.md, docs/citus.md).
  KUBEWISE_DATABASE_KIND: z
    .enum(["auto", "postgresql", "timescaledb", "citus"])
    .default("auto"),
  KUBEWISE_GRPC_HOST: z.string().min(1).default("0.0.0.0"),
  KUBEWISE_GRPC_PORT: int(0, 65_535).default(50_051),
  // TLS for the agents' link (PEM, e.g. a mounted kubernetes.io/tls Secret); plaintext without.
  KUBEWISE_GRPC_TLS_CERT_FILE: z.string().min(1).optional(),
  KUBEWISE_GRPC_TLS_KEY_FILE: z.string().min(1).optional(),
  // pods: an agent may report only pods the API server scheduled on its node (needs node-bound
  // tokens: tokenreview mode, where it is the default).
  KUBEWISE_AGENT_NODE_CHECK: z.enum(["pods", "off"]).optional(),
  KUBEWISE_METRICS_PORT: int(0, 65_535).default(9465),
  KUBEWISE_AUTH_MODE: z.enum(["static", "tokenreview"]).default("static"),
  KUBEWISE_AGENT_TOKENS: z.string().optional(),
  KUBEWISE_TOKEN_AUDIENCE: z.string().min(1).default("kubewise-aggregator"),
  KUBEWISE_AGENT_SERVICE_ACCOUNTS: z.string().optional(),
  KUBEWISE_TOKEN_CACHE_SECONDS: int(0, 600).default(60),
  KUBEWISE_CLUSTER_NAME: z.string().min(1).max(253).default("default"),
  // The cluster's identity beyond its name: the UID of namespace kube-system, read at start and
  // stored with the cluster (an install of another cluster under the same name is refused).
  // auto: read it in a pod (KUBERNETES_SERVICE_HOST) or with KUBEWISE_KUBECONFIG; off: name only.
  KUBEWISE_CLUSTER_UID_SOURCE: z
    .enum(["auto", "kube-system", "off"])
    .default("auto"),
  KUBERNETES_SERVICE_HOST: z.string().min(1).optional(),
  KUBEWISE_DB_POOL_SIZE: int(1, 200).default(10),
  // Ingest transactions at once (a share of the pool): each takes every batch that arrived while
  // the previous ones committed, so fewer writers make bigger groups and fewer commits.
  KUBEWISE_INGEST_WRITERS: int(1, 200).default(2),
  // Agents' streams are long-lived: ending connections after this age (+-10 % jitter) lets them
  // spread over replicas that started later (grace: time for in-flight batches before the close).
  KUBEWISE_GRPC_MAX_CONNECTION_AGE_SECONDS: int(10, 86_400).default(600),
  KUBEWISE_GRPC_MAX_CONNECTION_AGE_GRACE_SECONDS: int(1, 3_600).default(30),
  KUBEWISE_MAX_QUEUED_PER_STREAM: int(1, 1_000).default(4),
  KUBEWISE_COLLECTION_INTERVAL_SECONDS: int(1, 3_600).default(10),
  KUBEWISE_ROLLUP_INTERVAL_SECONDS: z.coerce
    .number()
    .min(1)
    .max(3_600)
    .default(300),
  KUBEWISE_RECOMMEND_INTERVAL_SECONDS: z.coerce
    .number()
    .min(5)
    .max(86_400)
    .default(300),
  KUBEWISE_RECOMMENDER: z.enum(["kubewise", "vpa"]).default("kubewise"),
  // Worker threads running the recommendation pass off the ingest event loop (0: on it).
  KUBEWISE_PASS_WORKERS: int(0, 16).default(1),
  // Folder holding the shipped forecaster; default packages/ml/models (the image sets /app/models).
  KUBEWISE_MODEL_DIR: z.string().min(1).optional(),
  // Budget/spike/anomaly alerts and their notifications (webhook, Slack, SMTP e-mail).
  KUBEWISE_ALERT_INTERVAL_SECONDS: int(10, 86_400).default(60),
  KUBEWISE_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "KUBEWISE_SMTP_URL must be smtp:// or smtps://")
    .optional(),
  KUBEWISE_SMTP_FROM: z.email().default("kubewise@localhost"),
  KUBEWISE_CONTROLLER: z.enum(["on", "off"]).default("off"),
  KUBEWISE_KUBECONFIG: z.string().min(1).optional(),
  KUBEWISE_POD_NAME: z.string().min(1).default("kubewise-aggregator"),
  KUBEWISE_NAMESPACE: z.string().min(1).default("kubewise"),
  KUBEWISE_LEASE_NAME: z.string().min(1).default("kubewise-controller"),
  KUBEWISE_LEASE_DURATION_SECONDS: int(5, 300).default(15),
  KUBEWISE_CONTROLLER_INTERVAL_SECONDS: z.coerce
    .number()
    .min(1)
    .max(3_600)
    .default(5),
  KUBEWISE_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.9),
  KUBEWISE_OBSERVATION_WINDOW_SECONDS: int(0, 86_400).default(600),
  KUBEWISE_ROLLOUT_STEPS: z
    .string()
    .default("0.1,0.25,0.5,1")
    .transform((text, ctx) => {
      try {
        return parseRolloutSteps(text);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      }
    }),
  KUBEWISE_ROLLOUT_STEP_WINDOW_SECONDS: int(0, 86_400).default(300),
  KUBEWISE_BASELINE_WINDOW_SECONDS: int(60, 7 * 86_400).default(3_600),
  // One change may lower a request or limit to no less than 1/ratio of its value; a namespace may
  // tighten it with the annotation kubewise.io/max-step-ratio.
  KUBEWISE_MAX_STEP_RATIO: z.coerce.number().min(1.01).max(1_000).default(2),
  // Federated training (issue 14): rounds on the leader; chart values federated.* and modelUpdateSchedule.
  KUBEWISE_FEDERATED: z.enum(["on", "off"]).default("on"),
  KUBEWISE_MODEL_UPDATE_SCHEDULE: z
    .string()
    .default(DEFAULT_FEDERATION_SETTINGS.schedule)
    .refine(isCron, "must be a cron expression, e.g. '0 3 * * *'"),
  KUBEWISE_FL_TICK_SECONDS: z.coerce.number().min(0.05).max(600).default(15),
  KUBEWISE_FL_MIN_ROUND_INTERVAL_SECONDS: z.coerce
    .number()
    .min(0)
    .max(30 * 86_400)
    .default(6 * 3_600),
  KUBEWISE_FL_ROUND_DEADLINE_SECONDS: z.coerce
    .number()
    .min(1)
    .max(86_400)
    .default(900),
  KUBEWISE_FL_MIN_CLIENTS: int(1, 10_000).default(3),
  KUBEWISE_FL_MIN_TRAINABLE_EXAMPLES: int(1, 1_000_000).default(8),
  KUBEWISE_FL_AGENT_FRESH_SECONDS: z.coerce
    .number()
    .min(1)
    .max(86_400)
    .default(300),
  KUBEWISE_FL_POLL_SECONDS: int(1, 86_400).default(60),
  KUBEWISE_FL_FEDPROX_MU: z.coerce
    .number()
    .min(0)
    .max(10)
    .default(DEFAULT_FEDERATION_SETTINGS.plan.fedproxMu),
  KUBEWISE_FL_DP_NOISE_MULTIPLIER: z.coerce.number().min(0).max(100).default(0),
  KUBEWISE_FL_CPU_SECONDS_BUDGET: z.coerce
    .number()
    .min(0.1)
    .max(600)
    .default(2),
  KUBEWISE_FL_CANARY_FRACTION: z.coerce.number().min(0).max(1).default(0.2),
  KUBEWISE_FL_CANARY_SECONDS: z.coerce
    .number()
    .min(0)
    .max(30 * 86_400)
    .default(6 * 3_600),
  KUBEWISE_FL_WATCH_SECONDS: z.coerce
    .number()
    .min(0)
    .max(30 * 86_400)
    .default(86_400),
  KUBEWISE_FL_GATE_MARGIN: z.coerce.number().min(0).max(1).default(0.03),
  KUBEWISE_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
});

function isCron(text: string): boolean {
  try {
    parseCronExpression(text);
    return true;
  } catch {
    return false;
  }
}

function toFederationSettings(
  e: z.infer<typeof EnvSchema>,
): FederationSettings {
  const d = DEFAULT_FEDERATION_SETTINGS;
  return Object.freeze({
    ...d,
    schedule: e.KUBEWISE_MODEL_UPDATE_SCHEDULE,
    minRoundIntervalMs: e.KUBEWISE_FL_MIN_ROUND_INTERVAL_SECONDS * 1000,
    roundDeadlineMs: e.KUBEWISE_FL_ROUND_DEADLINE_SECONDS * 1000,
    agentFreshMs: e.KUBEWISE_FL_AGENT_FRESH_SECONDS * 1000,
    minTrainableExamples: e.KUBEWISE_FL_MIN_TRAINABLE_EXAMPLES,
    minClients: e.KUBEWISE_FL_MIN_CLIENTS,
    plan: {
      ...d.plan,
      fedproxMu: e.KUBEWISE_FL_FEDPROX_MU,
      dpNoiseMultiplier: e.KUBEWISE_FL_DP_NOISE_MULTIPLIER,
      cpuSecondsBudget: e.KUBEWISE_FL_CPU_SECONDS_BUDGET,
    },
    gate: {
      ...d.gate,
      margin: e.KUBEWISE_FL_GATE_MARGIN,
      minAgents: Math.min(d.gate.minAgents, e.KUBEWISE_FL_MIN_CLIENTS),
    },
    canaryFraction: e.KUBEWISE_FL_CANARY_FRACTION,
    canaryDurationMs: e.KUBEWISE_FL_CANARY_SECONDS * 1000,
    watchDurationMs: e.KUBEWISE_FL_WATCH_SECONDS * 1000,
    pollIntervalSeconds: e.KUBEWISE_FL_POLL_SECONDS,
  });
}

/** static: shared tokens (demo); tokenreview: projected service-account tokens checked by the API server. */
export type AgentAuthConfig =
  | Readonly<{ mode: "static"; tokens: readonly string[] }>
  | Readonly<{
      mode: "tokenreview";
      audience: string;
      allowedUsernames: readonly string[];
      cacheTtlMs: number;
      kubeconfigPath: string | undefined;
    }>;

export type AggregatorEnv = Readonly<{
  databaseUrl: string | undefined;
  dataDir: string | undefined;
  migrate: boolean;
  databaseKind: "auto" | "postgresql" | "timescaledb" | "citus";
  grpcHost: string;
  grpcPort: number;
  grpcTls: { certFile: string; keyFile: string } | undefined;
  /** Judge agents' pods against the watched pod list (undefined: no check). */
  agentNodeCheck: { kubeconfigPath: string | undefined } | undefined;
  metricsPort: number;
  auth: AgentAuthConfig;
  clusterName: string;
  /** Read the kube-system namespace's UID at start (undefined: no API access, name only). */
  clusterUid: { kubeconfigPath: string | undefined } | undefined;
  dbPoolSize: number;
  ingestWriters: number;
  grpcMaxConnectionAgeMs: number;
  grpcMaxConnectionAgeGraceMs: number;
  maxQueuedPerStream: number;
  collectionIntervalSeconds: number;
  rollupIntervalMs: number;
  recommendIntervalMs: number;
  alerts: Readonly<{
    intervalMs: number;
    smtpUrl: string | undefined;
    smtpFrom: string;
  }>;
  recommender: "kubewise" | "vpa";
  /** Worker threads for the recommendation pass; 0 runs it on the main thread. */
  passWorkers: number;
  modelDir: string | undefined;
  /** Lifecycle controller settings; undefined when KUBEWISE_CONTROLLER=off (no Kubernetes API). */
  controller:
    | {
        kubeconfigPath: string | undefined;
        identity: string;
        namespace: string;
        leaseName: string;
        leaseDurationSeconds: number;
        intervalMs: number;
        minConfidence: number;
        observationWindowSeconds: number;
        rolloutSteps: number[];
        stepWindowSeconds: number;
        baselineWindowSeconds: number;
      }
    | undefined;
  /** Undefined when KUBEWISE_FEDERATED=off: the model RPCs answer UNIMPLEMENTED. */
  federation: { settings: FederationSettings; tickMs: number } | undefined;
  logLevel: string;
}>;

const SERVICE_ACCOUNT =
  /^(system:serviceaccount:)?[a-z0-9.-]{1,63}:[a-z0-9.-]{1,253}$/;

function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

function tokenProblems(source: Record<string, string | undefined>): string[] {
  if (source.KUBEWISE_AUTH_MODE === "tokenreview") {
    const accounts = splitList(source.KUBEWISE_AGENT_SERVICE_ACCOUNTS);
    if (accounts.length === 0)
      return [
        "KUBEWISE_AGENT_SERVICE_ACCOUNTS: tokenreview mode needs the agents' service accounts (comma-separated <namespace>:<name>)",
      ];
    return accounts.every((a) => SERVICE_ACCOUNT.test(a))
      ? []
      : [
          "KUBEWISE_AGENT_SERVICE_ACCOUNTS: each entry must be <namespace>:<name> or system:serviceaccount:<namespace>:<name>",
        ];
  }
  const tokens = splitList(source.KUBEWISE_AGENT_TOKENS);
  if (tokens.length === 0)
    return [
      "KUBEWISE_AGENT_TOKENS: set a comma-separated list of agent tokens (each >= 16 characters)",
    ];
  return tokens.some((t) => t.length < 16)
    ? ["KUBEWISE_AGENT_TOKENS: every token must be at least 16 characters"]
    : [];
}

function linkProblems(source: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (
    (source.KUBEWISE_GRPC_TLS_CERT_FILE === undefined) !==
    (source.KUBEWISE_GRPC_TLS_KEY_FILE === undefined)
  )
    problems.push(
      "KUBEWISE_GRPC_TLS_CERT_FILE and KUBEWISE_GRPC_TLS_KEY_FILE: set both (TLS) or neither (plaintext)",
    );
  if (
    source.KUBEWISE_AGENT_NODE_CHECK === "pods" &&
    source.KUBEWISE_AUTH_MODE !== "tokenreview"
  )
    problems.push(
      "KUBEWISE_AGENT_NODE_CHECK=pods needs KUBEWISE_AUTH_MODE=tokenreview (static tokens name no node)",
    );
  return problems;
}

function toLinkConfig(
  e: z.infer<typeof EnvSchema>,
): Pick<AggregatorEnv, "grpcTls" | "agentNodeCheck"> {
  const check =
    e.KUBEWISE_AGENT_NODE_CHECK ??
    (e.KUBEWISE_AUTH_MODE === "tokenreview" ? "pods" : "off");
  return {
    grpcTls:
      e.KUBEWISE_GRPC_TLS_CERT_FILE === undefined ||
      e.KUBEWISE_GRPC_TLS_KEY_FILE === undefined
        ? undefined
        : {
            certFile: e.KUBEWISE_GRPC_TLS_CERT_FILE,
            keyFile: e.KUBEWISE_GRPC_TLS_KEY_FILE,
          },
    agentNodeCheck:
      check === "pods" ? { kubeconfigPath: e.KUBEWISE_KUBECONFIG } : undefined,
  };
}

function toAuthConfig(e: z.infer<typeof EnvSchema>): AgentAuthConfig {
  if (e.KUBEWISE_AUTH_MODE === "static")
    return Object.freeze({
      mode: "static",
      tokens: Object.freeze(splitList(e.KUBEWISE_AGENT_TOKENS)),
    });
  return Object.freeze({
    mode: "tokenreview",
    audience: e.KUBEWISE_TOKEN_AUDIENCE,
    allowedUsernames: Object.freeze(
      splitList(e.KUBEWISE_AGENT_SERVICE_ACCOUNTS).map((a) =>
        a.startsWith("system:serviceaccount:")
          ? a
          : `system:serviceaccount:${a}`,
      ),
    ),
    cacheTtlMs: e.KUBEWISE_TOKEN_CACHE_SECONDS * 1000,
    kubeconfigPath: e.KUBEWISE_KUBECONFIG,
  });
}

function toClusterUidConfig(
  e: z.infer<typeof EnvSchema>,
): AggregatorEnv["clusterUid"] {
  const read =
    e.KUBEWISE_CLUSTER_UID_SOURCE === "kube-system" ||
    (e.KUBEWISE_CLUSTER_UID_SOURCE === "auto" &&
      (e.KUBERNETES_SERVICE_HOST !== undefined ||
        e.KUBEWISE_KUBECONFIG !== undefined));
  return read ? { kubeconfigPath: e.KUBEWISE_KUBECONFIG } : undefined;
}

/** Parses the aggregator's environment once; throws one error listing every bad variable. */
export function loadEnv(
  source: Record<string, string | undefined> = process.env,
): AggregatorEnv {
  const parsed = EnvSchema.safeParse(source);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)),
    ...tokenProblems(source),
    ...linkProblems(source),
  ];
  if (!parsed.success || problems.length > 0)
    throw new Error(
      `invalid aggregator environment:\n  ${problems.join("\n  ")}`,
    );
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir: e.KUBEWISE_DATA_DIR,
    migrate: e.KUBEWISE_MIGRATE === "true",
    databaseKind: e.KUBEWISE_DATABASE_KIND,
    grpcHost: e.KUBEWISE_GRPC_HOST,
    grpcPort: e.KUBEWISE_GRPC_PORT,
    ...toLinkConfig(e),
    metricsPort: e.KUBEWISE_METRICS_PORT,
    auth: toAuthConfig(e),
    clusterName: e.KUBEWISE_CLUSTER_NAME,
    clusterUid: toClusterUidConfig(e),
    dbPoolSize: e.KUBEWISE_DB_POOL_SIZE,
    ingestWriters: Math.min(e.KUBEWISE_INGEST_WRITERS, e.KUBEWISE_DB_POOL_SIZE),
    grpcMaxConnectionAgeMs: e.KUBEWISE_GRPC_MAX_CONNECTION_AGE_SECONDS * 1000,
    grpcMaxConnectionAgeGraceMs:
      e.KUBEWISE_GRPC_MAX_CONNECTION_AGE_GRACE_SECONDS * 1000,
    maxQueuedPerStream: e.KUBEWISE_MAX_QUEUED_PER_STREAM,
    collectionIntervalSeconds: e.KUBEWISE_COLLECTION_INTERVAL_SECONDS,
    rollupIntervalMs: Math.round(e.KUBEWISE_ROLLUP_INTERVAL_SECONDS * 1000),
    recommendIntervalMs: Math.round(
      e.KUBEWISE_RECOMMEND_INTERVAL_SECONDS * 1000,
    ),
    recommender: e.KUBEWISE_RECOMMENDER,
    passWorkers: e.KUBEWISE_PASS_WORKERS,
    modelDir: e.KUBEWISE_MODEL_DIR,
    alerts: Object.freeze({
      intervalMs: e.KUBEWISE_ALERT_INTERVAL_SECONDS * 1000,
      smtpUrl: e.KUBEWISE_SMTP_URL,
      smtpFrom: e.KUBEWISE_SMTP_FROM,
    }),
    controller:
      e.KUBEWISE_CONTROLLER === "off"
        ? undefined
        : Object.freeze({
            kubeconfigPath: e.KUBEWISE_KUBECONFIG,
            identity: e.KUBEWISE_POD_NAME,
            namespace: e.KUBEWISE_NAMESPACE,
            leaseName: e.KUBEWISE_LEASE_NAME,
            leaseDurationSeconds: e.KUBEWISE_LEASE_DURATION_SECONDS,
            intervalMs: Math.round(
              e.KUBEWISE_CONTROLLER_INTERVAL_SECONDS * 1000,
            ),
            minConfidence: e.KUBEWISE_MIN_CONFIDENCE,
            observationWindowSeconds: e.KUBEWISE_OBSERVATION_WINDOW_SECONDS,
            rolloutSteps: e.KUBEWISE_ROLLOUT_STEPS,
            stepWindowSeconds: e.KUBEWISE_ROLLOUT_STEP_WINDOW_SECONDS,
            baselineWindowSeconds: e.KUBEWISE_BASELINE_WINDOW_SECONDS,
            maxStepRatio: e.KUBEWISE_MAX_STEP_RATIO,
          }),
    federation:
      e.KUBEWISE_FEDERATED === "off"
        ? undefined
        : {
            settings: toFederationSettings(e),
            tickMs: Math.round(e.KUBEWISE_FL_TICK_SECONDS * 1000),
          },
    logLevel: e.KUBEWISE_LOG_LEVEL,
  });
}
