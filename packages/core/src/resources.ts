import { ValidationError } from "./errors";
import {
  formatCpuMillicores,
  formatMemoryBytes,
  parseCpuMillicores,
  parseMemoryBytes,
} from "./units";

// The one container-resources shape from the recommender to the pod (docs/STYLE.md §12).

/**
 * CPU in integer millicores, memory in integer bytes. An absent key means "not set" (no request,
 * no limit); never null and never 0. Storage (SQL NULL) and the wire (proto 0) convert at their edge.
 */
export type ResourceAmounts = { cpuMillicores?: number; memoryBytes?: number };

/**
 * A container's complete CPU and memory requests and limits. A recommendation states all four:
 * what it leaves unset is unset on the pod after the apply (a limit it omits is removed).
 */
export type ContainerResources = {
  requests: ResourceAmounts;
  limits: ResourceAmounts;
};

export type NamedContainerResources = ContainerResources & { name: string };

/** Kubernetes quantities of the two resources Kubewise manages ({ cpu: "250m", memory: "256Mi" }). */
export type ResourceQuantities = { cpu?: string; memory?: string };

type NullableAmounts = {
  cpuMillicores: number | null;
  memoryBytes: number | null;
};

/** From nullable columns (SQL NULL = not set). */
export function fromNullableAmounts(amounts: NullableAmounts): ResourceAmounts {
  return {
    ...(amounts.cpuMillicores === null
      ? {}
      : { cpuMillicores: amounts.cpuMillicores }),
    ...(amounts.memoryBytes === null
      ? {}
      : { memoryBytes: amounts.memoryBytes }),
  };
}

/** To nullable columns (not set = SQL NULL). */
export function toNullableAmounts(amounts: ResourceAmounts): NullableAmounts {
  return {
    cpuMillicores: amounts.cpuMillicores ?? null,
    memoryBytes: amounts.memoryBytes ?? null,
  };
}

export function toResourceQuantities(
  amounts: ResourceAmounts,
): ResourceQuantities {
  return {
    ...(amounts.cpuMillicores === undefined
      ? {}
      : { cpu: formatCpuMillicores(amounts.cpuMillicores) }),
    ...(amounts.memoryBytes === undefined
      ? {}
      : { memory: formatMemoryBytes(amounts.memoryBytes) }),
  };
}

/** Reads cpu and memory from a quantity map; other resources (ephemeral-storage, GPUs) are not Kubewise's. */
export function fromResourceQuantities(
  quantities: Partial<Record<string, string>> | undefined,
): ResourceAmounts {
  const cpu = quantities?.cpu;
  const memory = quantities?.memory;
  return {
    ...(cpu === undefined ? {} : { cpuMillicores: parseCpuMillicores(cpu) }),
    ...(memory === undefined ? {} : { memoryBytes: parseMemoryBytes(memory) }),
  };
}

export function isSameAmounts(a: ResourceAmounts, b: ResourceAmounts): boolean {
  return a.cpuMillicores === b.cpuMillicores && a.memoryBytes === b.memoryBytes;
}

export function isSameResources(
  a: ContainerResources,
  b: ContainerResources,
): boolean {
  return (
    isSameAmounts(a.requests, b.requests) && isSameAmounts(a.limits, b.limits)
  );
}

function covers(limit: number | undefined, request: number | undefined) {
  return limit === undefined || request === undefined || limit >= request;
}

/** The API server refuses a limit below its request; so does every Kubewise writer. */
export function assertLimitsCoverRequests(
  container: NamedContainerResources,
): void {
  const { requests, limits } = container;
  if (
    covers(limits.cpuMillicores, requests.cpuMillicores) &&
    covers(limits.memoryBytes, requests.memoryBytes)
  )
    return;
  throw new ValidationError(
    `container ${container.name}: a recommended limit is below its request`,
    {
      fieldErrors: {
        [`containers.${container.name}.limits`]: ["limit must be >= request"],
      },
    },
  );
}
