// What "a recommendation holds over the next window" means, shared by the harness (scoring,
// calibration_error) and the Kubewise confidence calibration. It names the two events that make a
// change fail in production, and that the controller rolls back on: an OOM kill (memory above its
// limit) and throttling at the CPU limit. CPU above its request is not a failure (CPU is
// compressible and the excess comes from idle capacity); the harness reports it as `cpu_under`.

export const HOLDS_DEFINITION =
  "holds over a window iff (1) no valid memory sample exceeds the memory limit in force at that sample " +
  "(the memory request when no limit is set) and (2) no valid CPU sample (5-minute mean) exceeds the CPU " +
  "limit in force (vacuous when no CPU limit is set); windows without a valid memory or CPU sample are not judged";

export type HoldInput = {
  memSamples: number;
  memOverLimitSamples: number;
  cpuSamples: number;
  cpuOverLimitSamples: number;
};

/** true/false per HOLDS_DEFINITION, null when the window has no valid memory or CPU sample. */
export function doesRecommendationHold(input: HoldInput): boolean | null {
  if (input.memSamples === 0 || input.cpuSamples === 0) return null;
  return input.memOverLimitSamples === 0 && input.cpuOverLimitSamples === 0;
}
