import {
  findEventPath,
  isClusterPhase,
  LIFECYCLE_PHASE_OF,
  transitionRecommendation,
  type RecommendationEventType,
  type RecommendationPhase,
} from "@kubewise/core";
import type { RecommendationWithContext } from "@kubewise/db";
import {
  toRecommendationName,
  type Approval,
  type RolledBackRecord,
  type WorkloadRecommendation,
} from "@kubewise/k8s";

import {
  buildDesired,
  DECIDED_PHASES,
  groupLatestByWorkload,
  hashDesired,
  heldRows,
} from "./desired";

/** What the bridge needs to know about one ResourceRecommendation object in the cluster. */
export type ClusterRecommendationState = {
  namespace: string;
  name: string;
  /** hashRecommendedResources(spec) of the object as it is now. */
  specHash: string;
  approval?: Approval | undefined;
  /** status.phase (Canary, Applied, Verified, RolledBack, ...). */
  phase?: string | undefined;
  /** status.rolledBack: why, and the memory floors an OOM rollback left. */
  rolledBack?: RolledBackRecord | undefined;
};

type ObjectRef = { namespace: string; name: string };

/** Port to the cluster (the controller package's createRecommendationPublisher implements it). */
export type RecommendationPublisher = {
  /** Server-side apply of the recommendation (spec, VPA-style bounds; approval and dryRun untouched). */
  publish(recommendation: WorkloadRecommendation): Promise<void>;
  /** Sets spec.approval (and spec.dryRun when given) without taking ownership of the rest. */
  setApproval(
    ref: ObjectRef,
    approval: Approval,
    options?: { dryRun?: boolean },
  ): Promise<void>;
  /** The Kubewise-managed ResourceRecommendation objects of the cluster. */
  listStatuses(): Promise<ClusterRecommendationState[]>;
};

/** spec.approval.by of decisions copied from the dashboard (the user id stays in the audit log). */
export const DASHBOARD_APPROVER = "kubewise-dashboard";

type SyncEventType = Extract<
  RecommendationEventType,
  "approve" | "reject" | "startApply" | "completeApply" | "rollback"
>;

export type DbPhaseChange = {
  recommendationId: string;
  fromPhase: RecommendationPhase;
  events: SyncEventType[];
  /** Who made the change in the cluster (spec.approval.by) or the controller. */
  by: string;
  reason: string;
  object: ObjectRef;
  /** After an OOM rollback: the floor for this container's next memory request. */
  memoryFloorBytes?: number;
};

export type ClusterSyncPlan = {
  dbChanges: DbPhaseChange[];
  publish: WorkloadRecommendation[];
  approvals: { ref: ObjectRef; approval: Approval; dryRun?: boolean }[];
  /** Cluster facts the DB state machine refuses (e.g. Applied on a Rejected row). */
  conflicts: string[];
};

/** The DB events that bring a row to what the cluster's phase stands for (core LIFECYCLE_PHASE_OF). */
function eventsForClusterPhase(
  clusterPhase: string | undefined,
  dbPhase: RecommendationPhase,
): SyncEventType[] | "conflict" {
  if (clusterPhase === undefined || !isClusterPhase(clusterPhase)) return [];
  const target = LIFECYCLE_PHASE_OF[clusterPhase];
  if (target === undefined) return [];
  const path = findEventPath(dbPhase, target);
  return path === undefined ? "conflict" : (path as SyncEventType[]);
}

function eventsForClusterApproval(
  approval: Approval | undefined,
  dbPhase: RecommendationPhase,
): SyncEventType[] {
  if (!approval || approval.by === DASHBOARD_APPROVER) return [];
  if (approval.state === "Approved")
    return dbPhase === "Pending" ? ["approve"] : [];
  return dbPhase === "Pending" || dbPhase === "Approved" ? ["reject"] : [];
}

function describeSource(
  object: ClusterRecommendationState,
  fromController: boolean,
): { by: string; reason: string } {
  const where = `ResourceRecommendation ${object.namespace}/${object.name}`;
  if (fromController)
    return {
      by: "kubernetes:kubewise-controller",
      reason: `${where} is ${object.phase}${object.rolledBack ? ` (${object.rolledBack.reason}: ${object.rolledBack.message})` : ""}`,
    };
  return {
    by: `kubernetes:${object.approval?.by ?? "unknown"}`,
    reason: `${object.approval?.state.toLowerCase()} on ${where}`,
  };
}

function memoryFloorOf(
  object: ClusterRecommendationState,
  container: string,
): number | undefined {
  return object.rolledBack?.nextMinimumMemoryBytes?.find(
    (f) => f.name === container,
  )?.memoryBytes;
}

/** The approval is for exactly the resources the DB holds (a kubectl approval must name them). */
function isApprovalForSpec(
  approval: Approval | undefined,
  specHash: string,
): boolean {
  return approval?.state === "Rejected" || approval?.specHash === specHash;
}

function toChange(
  row: RecommendationWithContext,
  object: ClusterRecommendationState,
  step: {
    from: RecommendationPhase;
    events: SyncEventType[];
    fromController: boolean;
  },
): DbPhaseChange {
  const floor = step.events.includes("rollback")
    ? memoryFloorOf(object, row.container.name)
    : undefined;
  return {
    recommendationId: row.recommendation.id,
    fromPhase: step.from,
    events: step.events,
    ...describeSource(object, step.fromController),
    object: { namespace: object.namespace, name: object.name },
    ...(floor === undefined ? {} : { memoryFloorBytes: floor }),
  };
}

/** A kubectl approval or rejection of exactly the DB's resources, and the row's phase after it. */
function planKubectlDecision(
  row: RecommendationWithContext,
  object: ClusterRecommendationState,
  specHash: string,
): { approved: DbPhaseChange[]; afterApproval: RecommendationPhase } {
  const { phase } = row.recommendation;
  const events = isApprovalForSpec(object.approval, specHash)
    ? eventsForClusterApproval(object.approval, phase)
    : [];
  if (events.length === 0) return { approved: [], afterApproval: phase };
  return {
    approved: [
      toChange(row, object, { from: phase, events, fromController: false }),
    ],
    afterApproval: events.includes("approve") ? "Approved" : phase,
  };
}

/**
 * The DB changes that bring a row to the cluster's state, in order. A kubectl approval the
 * controller acted on before this round saw it is recorded first, as the approver's (the
 * controller's phases alone would reach Applying from Pending without an approval in the log).
 */
function planRowChanges(
  row: RecommendationWithContext,
  object: ClusterRecommendationState,
  specHash: string,
): DbPhaseChange[] | string {
  const { id, phase } = row.recommendation;
  if (phase === "Rejected") return [];
  const conflict = `${object.namespace}/${object.name}: cluster is ${object.phase ?? object.approval?.state}, recommendation ${id} is ${phase}`;
  const { approved, afterApproval } = planKubectlDecision(
    row,
    object,
    specHash,
  );
  const fromPhase = eventsForClusterPhase(object.phase, afterApproval);
  if (fromPhase === "conflict")
    // e.g. the cluster still says Pending: the approval alone, unless the row conflicts anyway
    return eventsForClusterPhase(object.phase, phase) === "conflict"
      ? conflict
      : approved;
  if (fromPhase.length === 0) return approved;
  const controller = toChange(row, object, {
    from: afterApproval,
    events: fromPhase,
    fromController: true,
  });
  return afterApproval === "Approved" && phase === "Pending"
    ? [...approved, controller]
    : [controller];
}

function desiredApprovalState(
  phases: RecommendationPhase[],
): Approval["state"] | undefined {
  if (phases.every((p) => p === "Rejected")) return "Rejected";
  if (phases.every((p) => p === "Rejected" || DECIDED_PHASES.includes(p)))
    return "Approved";
  return undefined;
}

function isSettled(
  current: Approval | undefined,
  state: Approval["state"],
  specHash: string,
): boolean {
  if (current?.state !== state) return false;
  return state === "Rejected" || current.specHash === specHash;
}

type GroupPlan = {
  dbChanges: DbPhaseChange[];
  conflicts: string[];
  after: RecommendationPhase[];
};

/** The phase a row reaches through `events` (the path was found in the state machine). */
function afterEvents(change: DbPhaseChange): RecommendationPhase {
  let state = { phase: change.fromPhase };
  for (const type of change.events) {
    const result = transitionRecommendation(
      state,
      type === "reject" || type === "rollback"
        ? { type, actorId: "sync", reason: "sync" }
        : { type, actorId: "sync" },
    );
    if (!result.ok) return change.fromPhase;
    state = result.state;
  }
  return state.phase;
}

function planGroupDbChanges(
  group: RecommendationWithContext[],
  object: ClusterRecommendationState | undefined,
  specHash: string,
): GroupPlan {
  const result: GroupPlan = { dbChanges: [], conflicts: [], after: [] };
  for (const row of group) {
    const changes = object ? planRowChanges(row, object, specHash) : [];
    if (typeof changes === "string") result.conflicts.push(changes);
    const last = typeof changes === "string" ? undefined : changes.at(-1);
    if (last) {
      result.dbChanges.push(...(changes as DbPhaseChange[]));
      result.after.push(afterEvents(last));
    } else result.after.push(row.recommendation.phase);
  }
  return result;
}

/**
 * Decides one sync round. Cluster facts first (kubectl decisions, controller phases for the
 * exact resources the DB holds), then the DB's decisions are pushed to the objects.
 */
export function planClusterSync(input: {
  rows: readonly RecommendationWithContext[];
  objects: readonly ClusterRecommendationState[];
  /** Namespace -> whether the DB safety rules keep it in dry-run. */
  dryRunEnabled: (namespace: string) => boolean;
}): ClusterSyncPlan {
  const objects = new Map(
    input.objects.map((o) => [`${o.namespace}/${o.name}`, o]),
  );
  const plan: ClusterSyncPlan = {
    dbChanges: [],
    publish: [],
    approvals: [],
    conflicts: [],
  };
  for (const newest of groupLatestByWorkload(input.rows)) {
    const first = buildDesired(newest);
    if (!first) continue;
    const ref = {
      namespace: first.namespace,
      name: toRecommendationName(first.target),
    };
    const found = objects.get(`${ref.namespace}/${ref.name}`);
    const group = inFlightRows(input.rows, newest, found) ?? newest;
    const desired = group === newest ? first : buildDesired(group);
    if (!desired) continue;
    const specHash = hashDesired(desired);
    const object = found?.specHash === specHash ? found : undefined;
    const { dbChanges, conflicts, after } = planGroupDbChanges(
      group,
      object,
      specHash,
    );
    plan.dbChanges.push(...dbChanges);
    plan.conflicts.push(...conflicts);
    if (found && !object) {
      // Cluster facts about the spec this round replaces go in first (the rows it held, not the newer ones).
      const rows = heldRows(input.rows, group, found.specHash);
      const held = planGroupDbChanges(rows, found, found.specHash);
      plan.dbChanges.push(...held.dbChanges);
      plan.conflicts.push(...held.conflicts);
    }
    if (!object) plan.publish.push(desired);
    const approval = planApproval({
      ref,
      after,
      current: object?.approval,
      specHash,
      dryRunEnabled: input.dryRunEnabled,
    });
    if (approval) plan.approvals.push(approval);
  }
  return plan;
}

/** Cluster phases after which the object's spec may be replaced: its rollout is over. */
const SETTLED_CLUSTER_PHASES: readonly string[] = [
  "Applied",
  "Verified",
  "RolledBack",
  "Rejected",
  "Failed",
];

/**
 * The approved rows the object holds while their rollout has not settled: an Approved or Applying
 * recommendation is never replaced by a newer one before it is applied, rolled back or rejected
 * (a newer version waits as Pending). Replacing the spec mid-canary left some pods resized and the
 * rest not. Undefined when nothing is in flight for this workload.
 */
function inFlightRows(
  rows: readonly RecommendationWithContext[],
  newest: readonly RecommendationWithContext[],
  found: ClusterRecommendationState | undefined,
): RecommendationWithContext[] | undefined {
  if (!found || SETTLED_CLUSTER_PHASES.includes(found.phase ?? ""))
    return undefined;
  const held = heldRows(rows, newest, found.specHash);
  const inFlight = held.some(
    (r) =>
      r.recommendation.phase === "Approved" ||
      r.recommendation.phase === "Applying",
  );
  return inFlight ? held : undefined;
}

/** The approval the object still needs to match the DB's decision; undefined when it has it. */
function planApproval(input: {
  ref: ObjectRef;
  after: RecommendationPhase[];
  current: Approval | undefined;
  specHash: string;
  dryRunEnabled: (namespace: string) => boolean;
}): ClusterSyncPlan["approvals"][number] | undefined {
  const { ref, specHash } = input;
  const state = desiredApprovalState(input.after);
  if (!state || isSettled(input.current, state, specHash)) return undefined;
  const dryRun = state === "Approved" && !input.dryRunEnabled(ref.namespace);
  return {
    ref,
    approval: { state, by: DASHBOARD_APPROVER, specHash },
    ...(dryRun ? { dryRun: false } : {}),
  };
}
