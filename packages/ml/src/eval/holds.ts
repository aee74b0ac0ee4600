// What "a recommendation holds over the next window" means, shared by the harness (scoring,
// calibration_error) and the Kubewise confidence calibration.

/** A day still holds when CPU usage exceeds the request in at most this fraction of its samples (request >= p95). */
export const HOLDS_MAX_CPU_OVER_FRACTION = 0.05;

export const HOLDS_DEFINITION =
  "holds over a window iff (1) no valid memory sample exceeds the memory limit in force at that sample " +
  "(the memory request when no limit is set) and (2) CPU usage exceeds the CPU request in force in at most 5 % " +
  "of the valid CPU samples; windows without a valid memory or CPU sample are not judged";

export type HoldInput = {
  memSamples: number;
  memOverLimitSamples: number;
  cpuSamples: number;
  cpuOverRequestSamples: number;
};

/** true/false per HOLDS_DEFINITION, null when the window has no valid memory or CPU sample. */
export function doesRecommendationHold(input: HoldInput): boolean | null {
  if (input.memSamples === 0 || input.cpuSamples === 0) return null;
  return (
    input.memOverLimitSamples === 0 &&
    input.cpuOverRequestSamples <=
      HOLDS_MAX_CPU_OVER_FRACTION * input.cpuSamples
  );
}
