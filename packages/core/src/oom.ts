// VPA's OOM bump, the one rule for "memory after an OOM kill" (recommenders and rollback floors).
import type { ContainerResources } from "./resources";

export const OOM_BUMP_RATIO = 1.2;
export const OOM_MIN_BUMP_BYTES = 100 * 2 ** 20;

export type OomBumpOptions = {
  ratio?: number;
  /** 0 for series in normalized units (Google NCU/NMU), where an absolute +100 MiB means nothing. */
  minBumpBytes?: number;
};

/** Memory after an OOM kill at `memoryBytes`: max(x1.2, +100 MiB). Not rounded; writers round up to bytes. */
export function bumpMemoryAfterOom(
  memoryBytes: number,
  options: OomBumpOptions = {},
): number {
  const ratio = options.ratio ?? OOM_BUMP_RATIO;
  const minBump = options.minBumpBytes ?? OOM_MIN_BUMP_BYTES;
  return Math.max(memoryBytes * ratio, memoryBytes + minBump);
}

/** The floor for the next memory request after an OOM rollback, in whole bytes. */
export function nextMemoryFloorBytes(oomMemoryBytes: number): number {
  return Math.ceil(bumpMemoryAfterOom(oomMemoryBytes));
}

/**
 * Raises a container's memory request to `floorBytes` (and a memory limit below it to the same),
 * so a recommendation never repeats a change an OOM kill rolled back.
 */
export function applyMemoryFloor<T extends ContainerResources>(
  resources: T,
  floorBytes: number | undefined,
): T {
  const request = resources.requests.memoryBytes;
  if (
    floorBytes === undefined ||
    request === undefined ||
    request >= floorBytes
  )
    return resources;
  const limit = resources.limits.memoryBytes;
  return {
    ...resources,
    requests: { ...resources.requests, memoryBytes: floorBytes },
    limits:
      limit !== undefined && limit < floorBytes
        ? { ...resources.limits, memoryBytes: floorBytes }
        : resources.limits,
  };
}
