// HPA coordination in the recommendation pass (issue 13 item 6; the rule is @kubewise/core hpa.ts):
// the HPAs the cluster sync stored are matched to workloads by (namespace, kind, name), and each
// container's values follow the plan of the namespace's HPA mode, with the plan in its reasons and
// evidence. An HPA whose workload Kubewise does not see is reported, never joined to another one.
import {
  coordinateWithHpa,
  HPA_LOW_CONFIDENCE,
  type HpaMetric,
  type HpaMode,
  type HpaPlan,
} from "@kubewise/core";
import {
  listClusterHpas,
  type ContainerWithWorkload,
  type RecommendationEvidence,
  type WorkloadHpaRow,
} from "@kubewise/db";

import type { ServiceContext } from "../context";
import { getEffectiveSafetyConfig } from "./internal";
import type { RecommendationValues } from "./to-resources";

type Values = Required<RecommendationValues>;

const workloadKey = (w: { namespace: string; kind: string; name: string }) =>
  `${w.namespace}/${w.kind}/${w.name}`;

type ClusterHpas = {
  /** The HPAs per workload key (namespace/kind/name). */
  byWorkload: ReadonlyMap<string, WorkloadHpaRow[]>;
  /** Containers per workload id: a Resource metric's utilisation is of the pod's summed request. */
  containersPerWorkload: ReadonlyMap<string, number>;
  /** One sentence per HPA whose target Kubewise has no workload for. */
  orphans: string[];
};

/** The cluster's stored HPAs, matched against the containers of this pass. */
async function loadClusterHpas(
  ctx: ServiceContext,
  clusterId: string,
  targets: readonly ContainerWithWorkload[],
): Promise<ClusterHpas> {
  const containersPerWorkload = new Map<string, number>();
  const workloads = new Set<string>();
  for (const { workload } of targets) {
    containersPerWorkload.set(
      workload.id,
      (containersPerWorkload.get(workload.id) ?? 0) + 1,
    );
    workloads.add(workloadKey(workload));
  }
  const byWorkload = new Map<string, WorkloadHpaRow[]>();
  const orphans: string[] = [];
  for (const hpa of await listClusterHpas(ctx.db, clusterId)) {
    const key = workloadKey({
      namespace: hpa.namespace,
      kind: hpa.targetKind,
      name: hpa.targetName,
    });
    if (!workloads.has(key)) {
      orphans.push(
        `HPA ${hpa.namespace}/${hpa.name} targets ${hpa.targetKind} ${hpa.targetName}, which Kubewise has no containers for: nothing to coordinate`,
      );
      continue;
    }
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), hpa]);
  }
  return { byWorkload, containersPerWorkload, orphans };
}

function hpasOf(
  hpas: ClusterHpas,
  target: ContainerWithWorkload,
): WorkloadHpaRow[] {
  return hpas.byWorkload.get(workloadKey(target.workload)) ?? [];
}

/** What one container's values are coordinated with (coordinateValues' input besides them). */
type ContainerHpas = {
  hpas: WorkloadHpaRow[];
  mode: HpaMode;
  containersInPod: number;
};

/** The HPAs of one recommendation pass: loaded once, the namespace's mode read once per namespace. */
export type PassHpas = {
  orphans: readonly string[];
  forTarget(target: ContainerWithWorkload): Promise<ContainerHpas>;
};

/** Loads the pass's HPAs and logs each one whose target workload Kubewise does not see. */
export async function loadPassHpas(
  ctx: ServiceContext,
  clusterId: string,
  targets: readonly ContainerWithWorkload[],
): Promise<PassHpas> {
  const hpas = await loadClusterHpas(ctx, clusterId, targets);
  for (const orphan of hpas.orphans) ctx.logger.warn({ clusterId }, orphan);
  const modeOf = namespaceHpaModes(ctx, clusterId);
  return {
    orphans: hpas.orphans,
    async forTarget(target) {
      const found = hpasOf(hpas, target);
      return {
        hpas: found,
        // Without an HPA the mode changes nothing: no read.
        mode:
          found.length > 0
            ? await modeOf(target.workload.namespace)
            : "leave-alone",
        containersInPod:
          hpas.containersPerWorkload.get(target.workload.id) ?? 1,
      };
    },
  };
}

function describeMetric(m: HpaMetric): string {
  const what =
    m.resource === undefined
      ? `${m.source.toLowerCase()} ${m.metricName ?? "?"}`
      : `${m.resource}${m.container ? ` of ${m.container}` : ""}`;
  const target =
    m.averageUtilization === undefined
      ? m.targetType
      : `${m.averageUtilization} % utilisation`;
  return `${what}: ${target}`;
}

const COLUMNS = {
  cpu: {
    request: "cpuRequestMillicores",
    limit: "cpuLimitMillicores",
    window: "cpuTargetMillicores",
  },
  memory: {
    request: "memoryRequestBytes",
    limit: "memoryLimitBytes",
    window: "memoryTargetBytes",
  },
} as const;

/** One resource's request (and window targets) set to `request`; a limit stays >= it. */
function setRequest(
  values: Values,
  resource: "cpu" | "memory",
  request: number,
): Values {
  const c = COLUMNS[resource];
  const limit = values[c.limit];
  return {
    ...values,
    [c.request]: request,
    [c.limit]: limit === null ? null : Math.max(limit, request),
    timeWindows: values.timeWindows.map((w) => ({ ...w, [c.window]: request })),
  };
}

function lowerConfidence(values: Values, text: string): Values {
  return {
    ...values,
    confidence: Math.min(values.confidence, HPA_LOW_CONFIDENCE),
    confidenceFactors: [
      ...values.confidenceFactors,
      { name: "hpa", effect: "lowers", text },
    ],
    reasons: [...values.reasons, text],
  };
}

function planEvidence(
  hpa: WorkloadHpaRow,
  plan: HpaPlan,
): RecommendationEvidence {
  const replicas = `${hpa.minReplicas}-${hpa.maxReplicas} replicas${hpa.currentReplicas === null ? "" : `, ${hpa.currentReplicas} now`}`;
  return {
    hpa: `${hpa.namespace}/${hpa.name} (${replicas})`,
    hpaMetrics: hpa.metrics.map(describeMetric),
    hpaMode: plan.mode,
    hpaPlan: [
      ...plan.resources.map((r) => r.reason),
      ...(plan.lowConfidence === null ? [] : [plan.lowConfidence]),
    ],
    // The HPA change that must go with this request change (kubectl-ready, one per resource).
    hpaRetarget: plan.resources.flatMap((r) =>
      r.action === "retarget"
        ? [
            `${r.resource} averageUtilization ${r.utilizationFrom} -> ${r.utilizationTo}`,
          ]
        : [],
    ),
  };
}

/**
 * The container's values under its workload's HPAs (none: unchanged). Two HPAs on one workload
 * fight each other (the HPA controller refuses to scale it): every request stays, confidence low.
 */
export function coordinateValues(input: {
  values: Values;
  target: ContainerWithWorkload;
  hpas: readonly WorkloadHpaRow[];
  mode: HpaMode;
  containersInPod: number;
}): Values {
  const { target, hpas } = input;
  const [hpa, ...more] = hpas;
  if (!hpa) return input.values;
  const { container } = target;
  const current = {
    cpu: container.cpuRequestMillicores,
    memory: container.memoryRequestBytes,
  };
  if (more.length > 0) {
    let values = input.values;
    if (current.cpu !== null) values = setRequest(values, "cpu", current.cpu);
    if (current.memory !== null)
      values = setRequest(values, "memory", current.memory);
    return lowerConfidence(
      {
        ...values,
        evidence: {
          ...values.evidence,
          hpa: hpas.map((h) => `${h.namespace}/${h.name}`).join(", "),
        },
      },
      `${hpas.length} HPAs (${hpas.map((h) => h.name).join(", ")}) target this ${target.workload.kind}; the HPA controller does not scale it until one is removed, and every request is kept`,
    );
  }
  const plan = coordinateWithHpa({
    hpa,
    mode: input.mode,
    container: container.name,
    containersInPod: input.containersInPod,
    current,
    proposed: {
      cpu: input.values.cpuRequestMillicores,
      memory: input.values.memoryRequestBytes,
    },
  });
  let values: Values = {
    ...input.values,
    evidence: { ...input.values.evidence, ...planEvidence(hpa, plan) },
  };
  for (const r of plan.resources) {
    values = setRequest(
      values,
      r.resource,
      r.action === "retarget" ? r.requestTo : r.requestFrom,
    );
    values = { ...values, reasons: [...values.reasons, r.reason] };
  }
  return plan.lowConfidence === null
    ? values
    : lowerConfidence(values, plan.lowConfidence);
}

/** The HPA plan's shape (mode, re-targeted resources) as one comparable key; "" without an HPA. */
function planKey(evidence: RecommendationEvidence): string {
  if (typeof evidence.hpaMode !== "string") return "";
  const retarget = Array.isArray(evidence.hpaRetarget)
    ? evidence.hpaRetarget.map((r) => String(r).split(" ")[0]).join(",")
    : "";
  return `${evidence.hpaMode}:${retarget}`;
}

/**
 * Why a fresh version replaces the open one because its HPA plan changed (an HPA appeared or went,
 * the namespace's mode changed, a resource started or stopped being re-targeted); null otherwise.
 * The numbers inside a plan go through the ordinary materiality rule.
 */
export function hpaPlanChange(
  previous: RecommendationEvidence,
  next: RecommendationEvidence,
): string | null {
  const before = planKey(previous);
  const after = planKey(next);
  if (before === after) return null;
  const describe = (key: string, e: RecommendationEvidence): string =>
    key === ""
      ? "no HPA"
      : `${String(e.hpa)} ${String(e.hpaMode)}${Array.isArray(e.hpaRetarget) && e.hpaRetarget.length > 0 ? ` (${e.hpaRetarget.join("; ")})` : ""}`;
  return `HPA plan ${describe(before, previous)} -> ${describe(after, next)}`;
}

/** The namespace's HPA mode (its safety settings), read once per namespace in a pass. */
function namespaceHpaModes(
  ctx: ServiceContext,
  clusterId: string,
): (namespace: string) => Promise<HpaMode> {
  const modes = new Map<string, HpaMode>();
  return async (namespace) => {
    const known = modes.get(namespace);
    if (known) return known;
    const { hpaMode } = await getEffectiveSafetyConfig(
      ctx.db,
      clusterId,
      namespace,
    );
    modes.set(namespace, hpaMode);
    return hpaMode;
  };
}
