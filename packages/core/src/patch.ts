import { stringify } from "yaml";

import { ValidationError } from "./errors";
import { formatCpuMillicores, formatMemoryBytes } from "./units";

/** null means "not set" on the pod spec. */
export type ResourceAmounts = {
  cpuMillicores: number | null;
  memoryBytes: number | null;
};
export type ContainerResourceSpec = {
  requests: ResourceAmounts;
  limits: ResourceAmounts;
};
export type ContainerResourceChange = {
  name: string;
  current: ContainerResourceSpec;
  recommended: ContainerResourceSpec;
};
export type WorkloadRef = { kind: string; name: string; namespace: string };

type QuantityMap = { cpu?: string | null; memory?: string | null };
type ContainerPatch = {
  name: string;
  resources: { requests?: QuantityMap; limits?: QuantityMap };
};
type PodTemplatePatch = { spec: { containers: ContainerPatch[] } };
export type StrategicMergePatch =
  | { spec: { template: PodTemplatePatch } }
  | { spec: { jobTemplate: { spec: { template: PodTemplatePatch } } } };

const TEMPLATE_KINDS = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
]);

function quantityMap(
  current: ResourceAmounts,
  recommended: ResourceAmounts,
): QuantityMap | undefined {
  const map: QuantityMap = {};
  // In a strategic-merge patch a null value deletes the key, which is how a limit is removed.
  if (recommended.cpuMillicores !== null)
    map.cpu = formatCpuMillicores(recommended.cpuMillicores);
  else if (current.cpuMillicores !== null) map.cpu = null;
  if (recommended.memoryBytes !== null)
    map.memory = formatMemoryBytes(recommended.memoryBytes);
  else if (current.memoryBytes !== null) map.memory = null;
  return Object.keys(map).length === 0 ? undefined : map;
}

function containerPatch(change: ContainerResourceChange): ContainerPatch {
  const requests = quantityMap(
    change.current.requests,
    change.recommended.requests,
  );
  const limits = quantityMap(change.current.limits, change.recommended.limits);
  return {
    name: change.name,
    resources: { ...(requests && { requests }), ...(limits && { limits }) },
  };
}

function assertLimitsCoverRequests(change: ContainerResourceChange): void {
  const { requests, limits } = change.recommended;
  const cpuOk =
    limits.cpuMillicores === null ||
    requests.cpuMillicores === null ||
    limits.cpuMillicores >= requests.cpuMillicores;
  const memoryOk =
    limits.memoryBytes === null ||
    requests.memoryBytes === null ||
    limits.memoryBytes >= requests.memoryBytes;
  if (!cpuOk || !memoryOk) {
    throw new ValidationError(
      `container ${change.name}: a recommended limit is below its request`,
      {
        fieldErrors: {
          [`containers.${change.name}.limits`]: ["limit must be >= request"],
        },
      },
    );
  }
}

/** Strategic-merge patch of the workload's pod template; containers merge by name. */
export function buildResourcesPatch(
  workload: WorkloadRef,
  changes: readonly ContainerResourceChange[],
): StrategicMergePatch {
  if (changes.length === 0)
    throw new ValidationError("a patch needs at least one container");
  changes.forEach(assertLimitsCoverRequests);
  const template: PodTemplatePatch = {
    spec: { containers: changes.map(containerPatch) },
  };
  if (workload.kind === "CronJob")
    return { spec: { jobTemplate: { spec: { template } } } };
  if (TEMPLATE_KINDS.has(workload.kind)) return { spec: { template } };
  throw new ValidationError(
    `cannot patch a ${workload.kind}: expected Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob`,
  );
}

export function renderPatchYaml(patch: StrategicMergePatch): string {
  return stringify(patch);
}

export type ResourceDiffRow = {
  container: string;
  field: "requests" | "limits";
  resource: "cpu" | "memory";
  current: string | null;
  recommended: string | null;
  /** (recommended - current) / current; null when either side is unset or current is zero. */
  changeRatio: number | null;
};

type RowKey = { field: "requests" | "limits"; resource: "cpu" | "memory" };

function row(
  change: ContainerResourceChange,
  { field, resource }: RowKey,
): ResourceDiffRow {
  const key = resource === "cpu" ? "cpuMillicores" : "memoryBytes";
  const format =
    resource === "cpu"
      ? formatCpuMillicores
      : (value: number) => formatMemoryBytes(value);
  const current = change.current[field][key];
  const recommended = change.recommended[field][key];
  const changeRatio =
    current === null || recommended === null || current === 0
      ? null
      : (recommended - current) / current;
  return {
    container: change.name,
    field,
    resource,
    current: current === null ? null : format(current),
    recommended: recommended === null ? null : format(recommended),
    changeRatio,
  };
}

/** Current vs recommended, one row per container x requests/limits x cpu/memory. */
export function diffContainerResources(
  changes: readonly ContainerResourceChange[],
): ResourceDiffRow[] {
  return changes.flatMap((change) =>
    (["requests", "limits"] as const).flatMap((field) =>
      (["cpu", "memory"] as const).map((resource) =>
        row(change, { field, resource }),
      ),
    ),
  );
}

/** A unified-diff style text of the changed lines, for the dry-run view and logs. */
export function renderDryRunDiff(
  workload: WorkloadRef,
  changes: readonly ContainerResourceChange[],
): string {
  const lines = [
    `--- ${workload.namespace}/${workload.kind}/${workload.name} (current)`,
    `+++ ${workload.namespace}/${workload.kind}/${workload.name} (recommended)`,
  ];
  for (const diff of diffContainerResources(changes)) {
    const path = `${diff.container}.resources.${diff.field}.${diff.resource}`;
    if (diff.current === diff.recommended) {
      lines.push(`  ${path}: ${diff.current ?? "<unset>"}`);
      continue;
    }
    lines.push(
      `- ${path}: ${diff.current ?? "<unset>"}`,
      `+ ${path}: ${diff.recommended ?? "<unset>"}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
