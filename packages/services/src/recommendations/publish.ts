// The writes of a pass's chunk: each fresh recommendation judged against the container's open (else
// last rejected) one, and the chunk's new versions, events, supersessions and audit entries written
// in set-based statements inside the caller's transaction.
import {
  applyRecommendationEvent,
  computeProjectedSavings,
  DEFAULT_PRICE,
  type ApplySupport,
} from "@kubewise/core";
import {
  getLatestRecommendationsInPhase,
  getNextRecommendationVersions,
  getSafetyConfigs,
  insertRecommendationEvents,
  insertRecommendations,
  listOpenRecommendationsForContainers,
  updateRecommendationPhases,
  type ContainerWithWorkload,
  type NewRecommendationRow,
  type RecommendationPhase,
  type RecommendationRow,
  type SafetyConfigRow,
} from "@kubewise/db";
import type { Restatement } from "@kubewise/ml";

import type { ServiceContext } from "../context";
import { recordAudits, type AuditEntry } from "../internal/audit";
import { applySupportOf } from "./apply-support";
import { hpaPlanChange } from "./hpa-plan";
import { auditSubject } from "./internal";
import { supersedeDecision } from "./materiality";
import type { RecommendationValues } from "./to-resources";

/** A kind Kubewise cannot patch still gets its advice, refused for apply with the reason. */
function describeApply(
  support: ApplySupport,
  reason: string,
): { eventReason: string; audit: Record<string, unknown> } {
  if (support.supported)
    return { eventReason: reason, audit: { applySupported: true } };
  return {
    eventReason: `advice only: ${support.reason}; ${reason}`,
    audit: { applySupported: false, applyRefusedReason: support.reason },
  };
}

export type PersistInput = {
  target: ContainerWithWorkload;
  values: Required<RecommendationValues>;
  policy: string;
  usage: { cpuMillicores: number; memoryBytes: number };
  now: Date;
  /** Today's confidence for stored values and what keeping them costs (the recommender's restatement). */
  restate: (row: RecommendationRow) => Restatement | null;
};

/** The recommendation a fresh one is judged against: the newest Pending, else open, else Rejected one. */
function findReference(
  open: readonly RecommendationRow[],
  rejected: RecommendationRow | undefined,
): {
  pending: RecommendationRow[];
  reference: RecommendationRow | undefined;
} {
  // Only Pending recommendations are replaced: an Approved one proceeds to apply, and a material
  // change after approval queues as a new Pending one that says what changed.
  const pending = open.filter((r) => r.phase === "Pending");
  const newest = (rows: RecommendationRow[]): RecommendationRow | undefined =>
    rows.reduce<RecommendationRow | undefined>(
      (a, r) => (a === undefined || r.version > a.version ? r : a),
      undefined,
    );
  const reference = newest(pending) ?? newest([...open]) ?? rejected;
  return { pending, reference };
}

/** Whether to write a new version, and the reason recorded with it (null: keep the open one). */
function publicationReason(
  input: PersistInput & {
    reference: RecommendationRow | undefined;
    safety: SafetyConfigRow | undefined;
  },
): string | null {
  const { reference, values, policy, safety } = input;
  if (!reference) return "first recommendation for this container";
  const hpa = hpaPlanChange(reference.evidence, values.evidence);
  if (hpa !== null)
    return `${hpa} (against v${reference.version}, ${reference.phase})`;
  const decision = supersedeDecision({
    previous: reference,
    next: { ...values, policy },
    previousNow: reference.policy === policy ? input.restate(reference) : null,
    autoApplyMinConfidence: safety?.autoApplyEnabled
      ? safety.autoApplyMinConfidence
      : null,
  });
  return decision.publish
    ? `${decision.reason} (against v${reference.version}, ${reference.phase})`
    : null;
}

/** Reads each container's open and rejected recommendations in [chunk] and the safety configs once. */
async function loadReferences(
  tx: ServiceContext,
  inputs: readonly PersistInput[],
): Promise<{
  open: Map<string, RecommendationRow[]>;
  rejected: Map<string, RecommendationRow>;
  safety: (target: ContainerWithWorkload) => SafetyConfigRow | undefined;
}> {
  const ids = inputs.map((i) => i.target.container.id);
  const open = new Map<string, RecommendationRow[]>();
  for (const row of await listOpenRecommendationsForContainers(tx.db, ids)) {
    const list = open.get(row.containerId);
    if (list === undefined) open.set(row.containerId, [row]);
    else list.push(row);
  }
  const rejected = await getLatestRecommendationsInPhase(
    tx.db,
    ids.filter((id) => !open.has(id)),
    "Rejected",
  );
  // Read for the containers judged against a reference, by cluster (a pass has one).
  const namespaces = new Map<string, Set<string>>();
  for (const { target } of inputs) {
    const id = target.container.id;
    if (!open.has(id) && !rejected.has(id)) continue;
    const { clusterId, namespace } = target.workload;
    namespaces.set(
      clusterId,
      (namespaces.get(clusterId) ?? new Set()).add(namespace),
    );
  }
  const configs = new Map<string, Map<string, SafetyConfigRow>>();
  for (const [clusterId, names] of namespaces)
    configs.set(
      clusterId,
      await getSafetyConfigs(tx.db, clusterId, [...names]),
    );
  return {
    open,
    rejected,
    safety: (t) => configs.get(t.workload.clusterId)?.get(t.workload.namespace),
  };
}

/** Writes the chunk's new versions (and supersedes what they replace) in set-based statements. */
export async function persistChunk(
  tx: ServiceContext,
  inputs: readonly PersistInput[],
): Promise<{ created: boolean; superseded: number }[]> {
  const refs = await loadReferences(tx, inputs);
  const publishing: {
    input: PersistInput;
    pending: RecommendationRow[];
    reason: string;
  }[] = [];
  const outcomes = inputs.map((input) => {
    const id = input.target.container.id;
    const { pending, reference } = findReference(
      refs.open.get(id) ?? [],
      refs.rejected.get(id),
    );
    const reason = publicationReason({
      ...input,
      reference,
      safety: reference === undefined ? undefined : refs.safety(input.target),
    });
    if (reason === null) return { created: false, superseded: 0 };
    publishing.push({ input, pending, reason });
    return { created: true, superseded: pending.length };
  });
  if (publishing.length === 0) return outcomes;
  const versions = await getNextRecommendationVersions(
    tx.db,
    publishing.map((p) => p.input.target.container.id),
  );
  const drafts = publishing.map(({ input }) => {
    const { target, values, policy, now } = input;
    const delta = savingsOf(tx, input);
    const row: NewRecommendationRow = {
      ...values,
      clusterId: target.workload.clusterId,
      containerId: target.container.id,
      version: versions.get(target.container.id) ?? 1,
      policy,
      projectedMonthlySavingsMicroUsd: delta.savingsMonthlyMicroUsd,
      evidence: {
        ...values.evidence,
        costBeforeMonthlyMicroUsd: delta.beforeMonthlyMicroUsd,
        costAfterMonthlyMicroUsd: delta.afterMonthlyMicroUsd,
      },
      createdAt: now,
      updatedAt: now,
    };
    return { delta, row };
  });
  const deltas = drafts.map((d) => d.delta);
  const rows = drafts.map((d) => d.row);
  const created = await insertRecommendations(tx.db, rows);
  const events: Parameters<typeof insertRecommendationEvents>[1][number][] = [];
  const phaseChanges = new Map<
    string,
    {
      fromPhase: RecommendationPhase;
      toPhase: RecommendationPhase;
      ids: string[];
    }
  >();
  const audits: AuditEntry[] = [];
  publishing.forEach(({ input, pending, reason }, i) => {
    const row = created[i];
    const delta = deltas[i];
    if (row === undefined || delta === undefined) return;
    const { target, policy, now } = input;
    const { workload, container } = target;
    const apply = describeApply(
      applySupportOf({ workload, recommendation: row }),
      reason,
    );
    events.push({
      recommendationId: row.id,
      fromPhase: null,
      toPhase: "Pending",
      actor: tx.actor.userId,
      reason: apply.eventReason,
      createdAt: now,
    });
    for (const old of pending) {
      const next = applyRecommendationEvent(
        { phase: old.phase },
        {
          type: "supersede",
          actorId: tx.actor.userId,
          supersededById: row.id,
        },
      );
      const key = `${old.phase}>${next.phase}`;
      const change = phaseChanges.get(key) ?? {
        fromPhase: old.phase,
        toPhase: next.phase,
        ids: [],
      };
      change.ids.push(old.id);
      phaseChanges.set(key, change);
      events.push({
        recommendationId: old.id,
        fromPhase: old.phase,
        toPhase: next.phase,
        actor: tx.actor.userId,
        reason: `superseded by ${row.id}`,
        createdAt: now,
      });
    }
    audits.push({
      clusterId: workload.clusterId,
      action: "recommendation.create",
      subject: auditSubject(row.id),
      payload: {
        namespace: workload.namespace,
        workload: workload.name,
        container: container.name,
        policy,
        version: row.version,
        supersededIds: pending.map((r) => r.id),
        reason,
        ...apply.audit,
        ...delta,
      },
    });
  });
  const at = publishing[0]?.input.now ?? tx.clock.now();
  for (const change of phaseChanges.values())
    await updateRecommendationPhases(tx.db, { ...change, at });
  await insertRecommendationEvents(tx.db, events);
  await recordAudits({ ...tx, actorId: tx.actor.userId }, audits);
  return outcomes;
}

/** What the new values save per month over the container's current requests, at its average usage. */
function savingsOf(
  tx: ServiceContext,
  input: PersistInput,
): ReturnType<typeof computeProjectedSavings> {
  const { container } = input.target;
  return computeProjectedSavings({
    current: {
      cpuMillicores: container.cpuRequestMillicores ?? 0,
      memoryBytes: container.memoryRequestBytes ?? 0,
    },
    recommended: {
      cpuMillicores: input.values.cpuRequestMillicores,
      memoryBytes: input.values.memoryRequestBytes,
    },
    usage: input.usage,
    price: tx.price ?? DEFAULT_PRICE,
  });
}
