// Kubernetes quantities come from @kubewise/core (one parser and formatter for the whole product);
// this module adds the rollback memory floor.
export {
  formatCpuMillicores,
  formatMemoryBytes,
  parseCpuMillicores,
  parseMemoryBytes,
} from "@kubewise/core";

const MEBIBYTE = 2 ** 20;

/** Memory floor after an OOM rollback: x1.2 and at least +100 MiB (VPA's OOM bump), in whole MiB. */
export function nextMemoryFloorBytes(memoryBytes: number): number {
  const bumped = Math.max(
    Math.ceil(memoryBytes * 1.2),
    memoryBytes + 100 * MEBIBYTE,
  );
  return Math.ceil(bumped / MEBIBYTE) * MEBIBYTE;
}
