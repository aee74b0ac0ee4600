// What the cluster holds for a workload, built from its recommendation rows: one object per
// workload, the newest row per container. The dashboard preview is built by the same functions.
import {
  buildResourcesPatch,
  getApplySupport,
  serializePatch,
  type RecommendationPhase,
} from "@kubewise/core";
import type { RecommendationWithContext } from "@kubewise/db";
import {
  hashPatch,
  TimeWindowSchema,
  type ContainerRecommendation,
  type WorkloadRecommendation,
} from "@kubewise/k8s";

import { fromRecommendationRow } from "../recommendations/to-resources";

/** Phases whose rows the cluster still carries (a Rejected row keeps its object, rejected). */
export const CARRIED_PHASES: readonly RecommendationPhase[] = [
  "Pending",
  "Approved",
  "Applying",
  "Applied",
  "Rejected",
];

function toContainerRecommendation(
  row: RecommendationWithContext,
): ContainerRecommendation {
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
  return {
    name: row.container.name,
    ...fromRecommendationRow(r),
    ...(windows.length ? { windows } : {}),
    bounds: {
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
    },
  };
}

/** The newest row per container, grouped per workload, containers sorted by name. */
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
    if (!CARRIED_PHASES.includes(row.recommendation.phase)) continue;
    const key = row.workload.id;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((g) =>
    [...g].sort((a, b) => a.container.name.localeCompare(b.container.name)),
  );
}

/**
 * The recommendation the cluster gets for one workload's rows (open ones, or all when every one
 * was rejected); undefined for a kind Kubewise cannot apply (refused at creation, see
 * getApplySupport).
 */
export function buildDesired(
  group: readonly RecommendationWithContext[],
): WorkloadRecommendation | undefined {
  const open = group.filter((r) => r.recommendation.phase !== "Rejected");
  const rows = open.length ? open : group;
  const [first] = rows;
  if (!first) return undefined;
  const support = getApplySupport(first.workload.kind);
  if (!support.supported) return undefined;
  return {
    namespace: first.workload.namespace,
    target: { kind: support.kind, name: first.workload.name },
    containers: rows.map(toContainerRecommendation),
    confidence: Math.min(...rows.map((r) => r.recommendation.confidence)),
    policy: first.recommendation.policy,
    generatedAt: new Date(
      Math.max(...rows.map((r) => r.recommendation.createdAt.getTime())),
    ),
  };
}

/** The exact bytes the controller sends for this recommendation (status.generatedPatch). */
export function serializeDesiredPatch(desired: WorkloadRecommendation): string {
  return serializePatch(
    buildResourcesPatch(desired.target.kind, desired.containers),
  );
}

/** What status.specHash and an approval of this recommendation name. */
export function hashDesired(desired: WorkloadRecommendation): string {
  return hashPatch(serializeDesiredPatch(desired));
}
