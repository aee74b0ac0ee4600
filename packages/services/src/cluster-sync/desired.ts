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

import { applySupportOf } from "../recommendations/apply-support";
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
  // A kind Kubewise cannot patch, or a request change that needs its HPA re-targeted with it.
  if (!rows.every((r) => applySupportOf(r).supported)) return undefined;
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

/** Phases past approval: the cluster may be applying these rows' resources. */
export const DECIDED_PHASES: readonly RecommendationPhase[] = [
  "Approved",
  "Applying",
  "Applied",
];

/**
 * The decided rows an object still holds when a newer version of one of its containers came first
 * in the DB (the recommender's memory bump right after an OOM rollback): the newest Approved,
 * Applying or Applied row per container of the workload, only when they hash exactly to the
 * object's spec; empty otherwise. Without them the rolled back row would stay Applying, its
 * rollback and memory floor never recorded.
 */
export function heldRows(
  rows: readonly RecommendationWithContext[],
  group: readonly RecommendationWithContext[],
  specHash: string,
): RecommendationWithContext[] {
  const workloadId = group[0]?.workload.id;
  const [decided] = groupLatestByWorkload(
    rows.filter(
      (r) =>
        r.workload.id === workloadId &&
        DECIDED_PHASES.includes(r.recommendation.phase),
    ),
  );
  const held = decided && buildDesired(decided);
  return decided && held && hashDesired(held) === specHash ? decided : [];
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
