import type { RecommendationPhase } from "@kubewise/core";
import type { RecommendationWithContext } from "@kubewise/db";
import {
  buildResourceRecommendation,
  TimeWindowSchema,
  WorkloadKindSchema,
  type ContainerRecommendationInput,
  type ResourceRecommendationApply,
} from "@kubewise/k8s";

const OPEN_PHASES: readonly RecommendationPhase[] = [
  "Pending",
  "Approved",
  "Applying",
  "Applied",
];

function toContainer(
  row: RecommendationWithContext,
): ContainerRecommendationInput {
  const r = row.recommendation;
  const windows = r.timeWindows.flatMap((w) => {
    const window = TimeWindowSchema.safeParse(w.name);
    return window.success
      ? [
          {
            window: window.data,
            requests: {
              cpuMillicores: w.cpuTargetMillicores,
              memoryBytes: w.memoryTargetBytes,
            },
          },
        ]
      : [];
  });
  const limits = {
    ...(r.cpuLimitMillicores === null
      ? {}
      : { cpuMillicores: r.cpuLimitMillicores }),
    ...(r.memoryLimitBytes === null ? {} : { memoryBytes: r.memoryLimitBytes }),
  };
  return {
    name: row.container.name,
    requests: {
      cpuMillicores: r.cpuRequestMillicores,
      memoryBytes: r.memoryRequestBytes,
    },
    ...(Object.keys(limits).length ? { limits } : {}),
    ...(windows.length ? { windows } : {}),
    lowerBound: {
      cpuMillicores: r.cpuLowerBoundMillicores,
      memoryBytes: r.memoryLowerBoundBytes,
    },
    upperBound: {
      cpuMillicores: r.cpuUpperBoundMillicores,
      memoryBytes: r.memoryUpperBoundBytes,
    },
    uncappedTarget: {
      cpuMillicores: r.cpuUncappedTargetMillicores,
      memoryBytes: r.memoryUncappedTargetBytes,
    },
  };
}

/** The newest row per container, grouped per workload; only workload kinds the controller can patch. */
export function groupLatestByWorkload(
  rows: readonly RecommendationWithContext[],
): RecommendationWithContext[][] {
  const latest = new Map<string, RecommendationWithContext>();
  for (const row of rows) {
    const seen = latest.get(row.container.id);
    if (!seen || seen.recommendation.version < row.recommendation.version)
      latest.set(row.container.id, row);
  }
  const groups = new Map<string, RecommendationWithContext[]>();
  for (const row of latest.values()) {
    const phase = row.recommendation.phase;
    if (!OPEN_PHASES.includes(phase) && phase !== "Rejected") continue;
    if (!WorkloadKindSchema.safeParse(row.workload.kind).success) continue;
    const key = row.workload.id;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((g) =>
    [...g].sort((a, b) => a.container.name.localeCompare(b.container.name)),
  );
}

export function buildDesired(
  first: RecommendationWithContext,
  rows: RecommendationWithContext[],
): ResourceRecommendationApply {
  return buildResourceRecommendation({
    namespace: first.workload.namespace,
    target: {
      kind: WorkloadKindSchema.parse(first.workload.kind),
      name: first.workload.name,
    },
    containers: rows.map(toContainer),
    confidence: Math.min(...rows.map((r) => r.recommendation.confidence)),
    policy: first.recommendation.policy,
    generatedAt: new Date(
      Math.max(...rows.map((r) => r.recommendation.createdAt.getTime())),
    ),
  });
}
