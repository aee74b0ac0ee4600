const MI = 2 ** 20;
const GI = 2 ** 30;

type DemoUsageShape =
  "diurnal" | "flat" | "leak" | "spiky" | "batch" | "near-oom";

export type DemoContainer = {
  name: string;
  cpuRequestMillicores: number;
  cpuLimitMillicores: number | null;
  memoryRequestBytes: number;
  memoryLimitBytes: number | null;
  /** Mean usage as a fraction of the request. */
  cpuUtilization: number;
  memoryUtilization: number;
  shape: DemoUsageShape;
};

export type DemoWorkload = {
  namespace: string;
  kind: string;
  name: string;
  containers: DemoContainer[];
};

type Requests = [number, number | null, number, number | null];
type Usage = [number, number] | [number, number, DemoUsageShape];

// [cpu request, cpu limit, memory request, memory limit], [cpu use, memory use, shape?]
const c = (name: string, r: Requests, u: Usage): DemoContainer => ({
  name,
  cpuRequestMillicores: r[0],
  cpuLimitMillicores: r[1],
  memoryRequestBytes: r[2],
  memoryLimitBytes: r[3],
  cpuUtilization: u[0],
  memoryUtilization: u[1],
  shape: u[2] ?? "diurnal",
});

// Over-provisioned the way real clusters are (Autopilot paper: 46-60 % slack under manual limits).
export const DEMO_WORKLOADS: DemoWorkload[] = [
  {
    namespace: "shop",
    kind: "Deployment",
    name: "storefront",
    containers: [
      c("web", [2000, 4000, 4 * GI, 4 * GI], [0.18, 0.35]),
      c("envoy", [500, 1000, 512 * MI, 512 * MI], [0.1, 0.3, "flat"]),
    ],
  },
  {
    namespace: "shop",
    kind: "Deployment",
    name: "cart",
    containers: [
      c("app", [1000, 2000, 2 * GI, 2 * GI], [0.25, 0.4, "near-oom"]),
    ],
  },
  {
    namespace: "shop",
    kind: "Deployment",
    name: "search",
    containers: [c("app", [4000, null, 8 * GI, 8 * GI], [0.3, 0.55, "spiky"])],
  },
  {
    namespace: "shop",
    kind: "StatefulSet",
    name: "redis",
    containers: [
      c("redis", [1000, 1000, 4 * GI, 4 * GI], [0.12, 0.45, "flat"]),
    ],
  },
  {
    namespace: "shop",
    kind: "Deployment",
    name: "recommendations-api",
    containers: [c("app", [1500, 3000, 3 * GI, 3 * GI], [0.2, 0.5])],
  },
  {
    namespace: "payments",
    kind: "Deployment",
    name: "checkout",
    containers: [c("app", [2000, 2000, 2 * GI, 2 * GI], [0.35, 0.5])],
  },
  {
    namespace: "payments",
    kind: "Deployment",
    name: "fraud-scoring",
    containers: [
      c("model", [4000, 8000, 16 * GI, 16 * GI], [0.22, 0.4, "spiky"]),
    ],
  },
  {
    namespace: "payments",
    kind: "StatefulSet",
    name: "ledger-db",
    containers: [
      c("postgres", [2000, null, 8 * GI, 8 * GI], [0.15, 0.6, "flat"]),
    ],
  },
  {
    namespace: "payments",
    kind: "Deployment",
    name: "webhooks",
    containers: [c("app", [500, 1000, 1 * GI, 1 * GI], [0.3, 0.35, "leak"])],
  },
  {
    namespace: "analytics",
    kind: "CronJob",
    name: "nightly-etl",
    containers: [
      c("spark-driver", [4000, null, 8 * GI, 12 * GI], [0.2, 0.45, "batch"]),
    ],
  },
  {
    namespace: "analytics",
    kind: "Deployment",
    name: "dashboards",
    containers: [c("grafana", [1000, 2000, 2 * GI, 2 * GI], [0.06, 0.25])],
  },
  {
    namespace: "analytics",
    kind: "StatefulSet",
    name: "clickhouse",
    containers: [
      c("server", [8000, null, 32 * GI, 32 * GI], [0.25, 0.5, "spiky"]),
    ],
  },
  {
    namespace: "analytics",
    kind: "Deployment",
    name: "ingest-gateway",
    containers: [c("app", [1000, 2000, 1 * GI, 2 * GI], [0.4, 0.3])],
  },
  {
    namespace: "platform",
    kind: "DaemonSet",
    name: "log-shipper",
    containers: [
      c("fluent-bit", [200, 500, 256 * MI, 512 * MI], [0.3, 0.4, "flat"]),
    ],
  },
  {
    namespace: "platform",
    kind: "Deployment",
    name: "ingress-nginx",
    containers: [c("controller", [1000, 2000, 1 * GI, 1 * GI], [0.2, 0.3])],
  },
  {
    namespace: "platform",
    kind: "Deployment",
    name: "cert-manager",
    containers: [
      c("controller", [500, 1000, 512 * MI, 512 * MI], [0.03, 0.2, "flat"]),
    ],
  },
  {
    namespace: "platform",
    kind: "Deployment",
    name: "prometheus",
    containers: [
      c("server", [2000, 4000, 8 * GI, 8 * GI], [0.25, 0.65, "leak"]),
    ],
  },
  {
    namespace: "staging",
    kind: "Deployment",
    name: "storefront",
    containers: [c("web", [2000, 4000, 4 * GI, 4 * GI], [0.04, 0.15, "flat"])],
  },
  {
    namespace: "staging",
    kind: "Deployment",
    name: "checkout",
    containers: [c("app", [1000, 2000, 2 * GI, 2 * GI], [0.05, 0.2, "flat"])],
  },
  {
    namespace: "staging",
    kind: "Deployment",
    name: "feature-flags",
    containers: [c("app", [500, 1000, 1 * GI, 1 * GI], [0.08, 0.2])],
  },
];

export const DEMO_NAMESPACES = [
  ...new Set(DEMO_WORKLOADS.map((w) => w.namespace)),
];

/** Known demo logins (documented in the services README). Never use these outside the demo. */
export const DEMO_USERS = [
  {
    email: "admin@kubewise.demo",
    name: "Ada Admin",
    role: "admin",
    password: "kubewise-demo-admin",
    namespaces: ["*"],
  },
  {
    email: "approver@kubewise.demo",
    name: "Alan Approver",
    role: "approver",
    password: "kubewise-demo-approver",
    namespaces: ["*"],
  },
  {
    email: "viewer@kubewise.demo",
    name: "Vera Viewer",
    role: "viewer",
    password: "kubewise-demo-viewer",
    namespaces: ["shop", "staging"],
  },
] as const;

/** The `team` label of each demo namespace (allocation by label). */
export const DEMO_TEAMS: Record<string, string> = {
  shop: "storefront",
  payments: "payments",
  analytics: "data",
  platform: "platform",
  staging: "storefront",
};

export const DEMO_SAFETY = {
  shop: {
    dryRunEnabled: false,
    requireApproval: true,
    autoApplyEnabled: false,
    autoApplyMinConfidence: 0.9,
  },
  payments: {
    dryRunEnabled: true,
    requireApproval: true,
    autoApplyEnabled: false,
    autoApplyMinConfidence: 0.95,
  },
  staging: {
    dryRunEnabled: false,
    requireApproval: false,
    autoApplyEnabled: true,
    autoApplyMinConfidence: 0.8,
  },
} as const;
