// The one builder of the patch that applies a recommendation (docs/STYLE.md §12): the dashboard's
// preview, status.generatedPatch, the dry-run and the controller's request body are its output.
import { stringify } from "yaml";

import { ValidationError } from "./errors";
import {
  assertLimitsCoverRequests,
  type ContainerResources,
  type NamedContainerResources,
  type ResourceAmounts,
} from "./resources";
import { formatCpuMillicores, formatMemoryBytes } from "./units";
import { type ApplicableWorkloadKind } from "./workload-kinds";

/** null deletes the key in a strategic merge patch: how an unset request or limit is removed. */
export type QuantityPatch = { cpu: string | null; memory: string | null };
export type ContainerResourcesPatch = {
  name: string;
  resources: { requests: QuantityPatch; limits: QuantityPatch };
};
type PodSpecPatch = { containers: ContainerResourcesPatch[] };
type PodTemplatePatch = { spec: PodSpecPatch };
/** Strategic merge patch of a workload's pod template; containers merge by name. */
export type ResourcesPatch =
  | { spec: { template: PodTemplatePatch } }
  | { spec: { jobTemplate: { spec: { template: PodTemplatePatch } } } };
/** Body of the pods/resize subresource (in-place resize). */
export type PodResizePatch = { spec: PodSpecPatch };

export type WorkloadRef = { kind: string; name: string; namespace: string };

function quantityPatch(amounts: ResourceAmounts): QuantityPatch {
  return {
    cpu:
      amounts.cpuMillicores === undefined
        ? null
        : formatCpuMillicores(amounts.cpuMillicores),
    memory:
      amounts.memoryBytes === undefined
        ? null
        : formatMemoryBytes(amounts.memoryBytes),
  };
}

/** Every request and limit of each container: a value sets it, null removes it (the unset rule). */
export function buildContainerPatches(
  containers: readonly NamedContainerResources[],
): ContainerResourcesPatch[] {
  if (containers.length === 0)
    throw new ValidationError("a patch needs at least one container");
  containers.forEach(assertLimitsCoverRequests);
  return containers.map((c) => ({
    name: c.name,
    resources: {
      requests: quantityPatch(c.requests),
      limits: quantityPatch(c.limits),
    },
  }));
}

/** The strategic merge patch that applies `containers` to the workload's pod template. */
export function buildResourcesPatch(
  kind: ApplicableWorkloadKind,
  containers: readonly NamedContainerResources[],
): ResourcesPatch {
  const template: PodTemplatePatch = {
    spec: { containers: buildContainerPatches(containers) },
  };
  return kind === "CronJob"
    ? { spec: { jobTemplate: { spec: { template } } } }
    : { spec: { template } };
}

/** The same container changes as a pods/resize body. */
export function buildPodResizePatch(
  containers: readonly NamedContainerResources[],
): PodResizePatch {
  return { spec: { containers: buildContainerPatches(containers) } };
}

/** The exact bytes of a patch as sent to the API server and shown as the preview. */
export function serializePatch(patch: ResourcesPatch | PodResizePatch): string {
  return JSON.stringify(patch);
}

export function renderPatchYaml(patch: ResourcesPatch): string {
  return stringify(patch);
}

export type ContainerResourceChange = {
  name: string;
  current: ContainerResources;
  recommended: ContainerResources;
};

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
    current === undefined || recommended === undefined || current === 0
      ? null
      : (recommended - current) / current;
  return {
    container: change.name,
    field,
    resource,
    current: current === undefined ? null : format(current),
    recommended: recommended === undefined ? null : format(recommended),
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
