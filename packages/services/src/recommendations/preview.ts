// The dashboard's and the dry-run's view of a recommendation's patch: built by the same functions
// as the object the cluster sync publishes, so it is byte for byte what the controller sends.
import {
  buildResourcesPatch,
  renderPatchYaml,
  type ContainerResourceChange,
  type WorkloadRef,
} from "@kubewise/core";
import {
  listWorkloadRecommendations,
  type DbExecutor,
  type RecommendationWithContext,
} from "@kubewise/db";

import {
  buildDesired,
  CARRIED_PHASES,
  groupLatestByWorkload,
  hashDesired,
  serializeDesiredPatch,
} from "../cluster-sync/desired";
import { applySupportOf } from "./apply-support";
import { fromContainerRow, fromRecommendationRow } from "./to-resources";

export type PatchPreview =
  | {
      applicable: true;
      /** The exact bytes of the strategic merge patch the controller sends (status.generatedPatch). */
      patch: string;
      patchYaml: string;
      /** What an approval of this patch names (status.specHash). */
      specHash: string;
    }
  | { applicable: false; reason: string };

export type RecommendationPreview = {
  workload: WorkloadRef;
  /** Every container the workload's patch changes, current vs recommended. */
  changes: ContainerResourceChange[];
  preview: PatchPreview;
};

/** The workload's rows as the cluster sync would publish them with `found` as its container's row. */
async function loadGroup(
  db: DbExecutor,
  found: RecommendationWithContext,
): Promise<RecommendationWithContext[]> {
  const rows = await listWorkloadRecommendations(db, {
    workloadId: found.workload.id,
    phases: CARRIED_PHASES,
  });
  const siblings = (groupLatestByWorkload(rows)[0] ?? []).filter(
    (r) =>
      r.container.id !== found.container.id &&
      r.recommendation.phase !== "Rejected",
  );
  return [found, ...siblings].sort((a, b) =>
    a.container.name.localeCompare(b.container.name),
  );
}

export async function previewRecommendation(
  db: DbExecutor,
  found: RecommendationWithContext,
): Promise<RecommendationPreview> {
  const group = await loadGroup(db, found);
  const workload = {
    kind: found.workload.kind,
    name: found.workload.name,
    namespace: found.workload.namespace,
  };
  const changes = group.map((row) => ({
    name: row.container.name,
    current: fromContainerRow(row.container),
    recommended: fromRecommendationRow(row.recommendation),
  }));
  const support = applySupportOf(found);
  const desired = buildDesired(
    group.map((r) =>
      r === found
        ? { ...r, recommendation: { ...r.recommendation, phase: "Pending" } }
        : r,
    ),
  );
  if (!support.supported || !desired)
    return {
      workload,
      changes,
      preview: {
        applicable: false,
        reason: support.supported ? "no containers to patch" : support.reason,
      },
    };
  return {
    workload,
    changes,
    preview: {
      applicable: true,
      patch: serializeDesiredPatch(desired),
      patchYaml: renderPatchYaml(
        buildResourcesPatch(desired.target.kind, desired.containers),
      ),
      specHash: hashDesired(desired),
    },
  };
}
