import { ValidationError } from "@kubewise/core";
import type {
  NewRecommendationRow,
  RecommendationTimeWindow,
} from "@kubewise/db";
import type { Recommendation, ResourceValues } from "@kubewise/ml";

const toMillicores = (cores: number): number => Math.ceil(cores * 1000);
const MIB = 1024 * 1024;
// Whole MiB (rounded up): a patch then reads `memory: 2048Mi`, never `memory: "2147091321"`.
const toBytes = (bytes: number): number => Math.ceil(bytes / MIB) * MIB;

function assertValid(values: ResourceValues): void {
  const all = [
    values.cpuRequestCores,
    values.memRequestBytes,
    values.cpuLimitCores ?? 0,
    values.memLimitBytes ?? 0,
  ];
  if (!all.every((v) => Number.isFinite(v) && v >= 0)) {
    throw new ValidationError(
      `recommender returned invalid resources ${JSON.stringify(values)}`,
    );
  }
}

export type RecommendationValues = Pick<
  NewRecommendationRow,
  | "confidence"
  | "cpuTargetMillicores"
  | "cpuLowerBoundMillicores"
  | "cpuUpperBoundMillicores"
  | "cpuUncappedTargetMillicores"
  | "memoryTargetBytes"
  | "memoryLowerBoundBytes"
  | "memoryUpperBoundBytes"
  | "memoryUncappedTargetBytes"
  | "cpuRequestMillicores"
  | "cpuLimitMillicores"
  | "memoryRequestBytes"
  | "memoryLimitBytes"
  | "timeWindows"
>;

/** ml's cores/bytes floats -> the integer millicores/bytes the database and Kubernetes use (rounded up). */
export function toRecommendationValues(
  rec: Recommendation,
): Required<RecommendationValues> {
  assertValid(rec.base);
  const cpuTarget = toMillicores(rec.base.cpuRequestCores);
  const memoryTarget = toBytes(rec.base.memRequestBytes);
  const timeWindows: RecommendationTimeWindow[] = rec.windows.map((w) => ({
    name: w.window.name,
    cpuTargetMillicores: toMillicores(w.values.cpuRequestCores),
    memoryTargetBytes: toBytes(w.values.memRequestBytes),
  }));
  return {
    // A policy without a stated confidence gets 0, which keeps it out of auto-apply.
    confidence: rec.confidence ?? 0,
    cpuTargetMillicores: cpuTarget,
    cpuLowerBoundMillicores: rec.bounds
      ? toMillicores(rec.bounds.cpuLowerCores)
      : cpuTarget,
    cpuUpperBoundMillicores: rec.bounds
      ? toMillicores(rec.bounds.cpuUpperCores)
      : cpuTarget,
    cpuUncappedTargetMillicores: rec.bounds
      ? toMillicores(rec.bounds.cpuUncappedCores)
      : cpuTarget,
    memoryTargetBytes: memoryTarget,
    memoryLowerBoundBytes: rec.bounds
      ? toBytes(rec.bounds.memLowerBytes)
      : memoryTarget,
    memoryUpperBoundBytes: rec.bounds
      ? toBytes(rec.bounds.memUpperBytes)
      : memoryTarget,
    memoryUncappedTargetBytes: rec.bounds
      ? toBytes(rec.bounds.memUncappedBytes)
      : memoryTarget,
    cpuRequestMillicores: cpuTarget,
    cpuLimitMillicores:
      rec.base.cpuLimitCores === null
        ? null
        : Math.max(cpuTarget, toMillicores(rec.base.cpuLimitCores)),
    memoryRequestBytes: memoryTarget,
    memoryLimitBytes:
      rec.base.memLimitBytes === null
        ? null
        : Math.max(memoryTarget, toBytes(rec.base.memLimitBytes)),
    timeWindows,
  };
}
