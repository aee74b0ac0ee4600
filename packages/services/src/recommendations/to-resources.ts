import {
  fromNullableAmounts,
  toNullableAmounts,
  ValidationError,
  type ContainerResources,
} from "@kubewise/core";
import type {
  Container,
  NewRecommendationRow,
  RecommendationRow,
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

/**
 * ml's cores/bytes floats -> the one container-resources shape (integer millicores and bytes,
 * rounded up; a limit never below its request). A limit the policy leaves null is not set.
 */
function toRecommendedResources(values: ResourceValues): ContainerResources {
  assertValid(values);
  const cpu = toMillicores(values.cpuRequestCores);
  const memory = toBytes(values.memRequestBytes);
  return {
    requests: { cpuMillicores: cpu, memoryBytes: memory },
    limits: {
      ...(values.cpuLimitCores === null
        ? {}
        : {
            cpuMillicores: Math.max(cpu, toMillicores(values.cpuLimitCores)),
          }),
      ...(values.memLimitBytes === null
        ? {}
        : { memoryBytes: Math.max(memory, toBytes(values.memLimitBytes)) }),
    },
  };
}

/** A recommendation row's resources (the columns written by toRecommendationValues). */
export function fromRecommendationRow(
  r: Pick<
    RecommendationRow,
    | "cpuRequestMillicores"
    | "memoryRequestBytes"
    | "cpuLimitMillicores"
    | "memoryLimitBytes"
  >,
): ContainerResources {
  return {
    requests: fromNullableAmounts({
      cpuMillicores: r.cpuRequestMillicores,
      memoryBytes: r.memoryRequestBytes,
    }),
    limits: fromNullableAmounts({
      cpuMillicores: r.cpuLimitMillicores,
      memoryBytes: r.memoryLimitBytes,
    }),
  };
}

/** What a container runs with now, as the agents reported it. */
export function fromContainerRow(
  c: Pick<
    Container,
    | "cpuRequestMillicores"
    | "memoryRequestBytes"
    | "cpuLimitMillicores"
    | "memoryLimitBytes"
  >,
): ContainerResources {
  return {
    requests: fromNullableAmounts({
      cpuMillicores: c.cpuRequestMillicores,
      memoryBytes: c.memoryRequestBytes,
    }),
    limits: fromNullableAmounts({
      cpuMillicores: c.cpuLimitMillicores,
      memoryBytes: c.memoryLimitBytes,
    }),
  };
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
  | "reasons"
  | "confidenceFactors"
  | "evidence"
>;

/** The four resource columns; memory in whole MiB, also after a floor or cap raised it. */
function toColumns(resources: ContainerResources) {
  const requests = toNullableAmounts(resources.requests);
  const limits = toNullableAmounts(resources.limits);
  return {
    cpuRequestMillicores: requests.cpuMillicores ?? 0,
    memoryRequestBytes: toBytes(requests.memoryBytes ?? 0),
    cpuLimitMillicores: limits.cpuMillicores,
    memoryLimitBytes:
      limits.memoryBytes === null ? null : toBytes(limits.memoryBytes),
  };
}

type Bounds = Pick<
  RecommendationValues,
  | "cpuLowerBoundMillicores"
  | "cpuUpperBoundMillicores"
  | "cpuUncappedTargetMillicores"
  | "memoryLowerBoundBytes"
  | "memoryUpperBoundBytes"
  | "memoryUncappedTargetBytes"
>;

/** VPA-style bounds in millicores and bytes; the target itself when the policy has none. */
function toBounds(
  bounds: Recommendation["bounds"],
  target: { cpu: number; memory: number },
): Required<Bounds> {
  if (!bounds)
    return {
      cpuLowerBoundMillicores: target.cpu,
      cpuUpperBoundMillicores: target.cpu,
      cpuUncappedTargetMillicores: target.cpu,
      memoryLowerBoundBytes: target.memory,
      memoryUpperBoundBytes: target.memory,
      memoryUncappedTargetBytes: target.memory,
    };
  return {
    cpuLowerBoundMillicores: toMillicores(bounds.cpuLowerCores),
    cpuUpperBoundMillicores: toMillicores(bounds.cpuUpperCores),
    cpuUncappedTargetMillicores: toMillicores(bounds.cpuUncappedCores),
    memoryLowerBoundBytes: toBytes(bounds.memLowerBytes),
    memoryUpperBoundBytes: toBytes(bounds.memUpperBytes),
    memoryUncappedTargetBytes: toBytes(bounds.memUncappedBytes),
  };
}

/**
 * The row of a recommendation. `adjust` turns the recommender's resources into the ones stored
 * (rollback floor, step cap); the VPA-style target and bounds keep the recommender's own values.
 */
export function toRecommendationValues(
  rec: Recommendation,
  adjust: (resources: ContainerResources) => ContainerResources = (r) => r,
): Required<RecommendationValues> {
  const recommended = toRecommendedResources(rec.base);
  const cpu = recommended.requests.cpuMillicores ?? 0;
  const memory = recommended.requests.memoryBytes ?? 0;
  const timeWindows: RecommendationTimeWindow[] = rec.windows.map((w) => ({
    name: w.window.name,
    cpuTargetMillicores: toMillicores(w.values.cpuRequestCores),
    memoryTargetBytes: toBytes(w.values.memRequestBytes),
  }));
  return {
    // A policy without a stated confidence gets 0, which keeps it out of auto-apply.
    confidence: rec.confidence ?? 0,
    cpuTargetMillicores: cpu,
    memoryTargetBytes: memory,
    ...toBounds(rec.bounds, { cpu, memory }),
    ...toColumns(adjust(recommended)),
    timeWindows,
    reasons: rec.reasons ?? [],
    confidenceFactors: rec.factors ?? [],
    evidence: rec.evidence ?? {},
  };
}
