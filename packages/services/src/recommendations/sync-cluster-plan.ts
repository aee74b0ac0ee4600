import {
  transitionRecommendation,
  type RecommendationEventType,
  type RecommendationPhase,
} from "@kubewise/core";
import type { RecommendationWithContext } from "@kubewise/db";
import {
  hashRecommendedResources,
  type Approval,
  type ResourceRecommendationApply,
} from "@kubewise/k8s";

import { buildDesired, groupLatestByWorkload } from "./sync-cluster-desired";

/** What the bridge needs to know about one ResourceRecommendation object in the cluster. */
export type ClusterRecommendationState = {
  namespace: string;
  name: string;
  /** hashRecommendedResources(spec) of the object as it is now. */
  specHash: string;
  approval?: Approval | undefined;
  /** status.phase (Canary, Applied, Verified, RolledBack, ...). */
  phase?: string | undefined;
};

type ObjectRef = { namespace: string; name: string };

/** Port to the cluster; implemented over @kubernetes/client-node outside services. */
export type RecommendationPublisher = {
  /** Server-side apply of the desired object (spec only; approval, dryRun and status untouched). */
  publish(desired: ResourceRecommendationApply): Promise<void>;
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
};

export type ClusterSyncPlan = {
  dbChanges: DbPhaseChange[];
  publish: ResourceRecommendationApply[];
  approvals: { ref: ObjectRef; approval: Approval; dryRun?: boolean }[];
  /** Cluster facts the DB state machine refuses (e.g. Applied on a Rejected row). */
  conflicts: string[];
};

const DECIDED_PHASES: readonly RecommendationPhase[] = [
  "Approved",
  "Applying",
  "Applied",
];

/** The cluster's status.phase -> the DB events that reach the same point, from each DB phase. */
function eventsForClusterPhase(
  clusterPhase: string | undefined,
  dbPhase: RecommendationPhase,
): SyncEventType[] {
  const toApplying: SyncEventType[] =
    dbPhase === "Pending" || dbPhase === "Approved" ? ["startApply"] : [];
  switch (clusterPhase ?? "") {
    case "Canary":
      return toApplying;
    case "Applied":
    case "Verified":
      return dbPhase === "Applied" ? [] : [...toApplying, "completeApply"];
    case "RolledBack":
      return dbPhase === "RolledBack" ? [] : [...toApplying, "rollback"];
    default:
      return [];
  }
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

function replay(
  phase: RecommendationPhase,
  events: SyncEventType[],
): RecommendationPhase | undefined {
  let current = phase;
  for (const type of events) {
    const result = transitionRecommendation(
      { phase: current },
      type === "reject" || type === "rollback"
        ? { type, actorId: "sync", reason: "sync" }
        : { type, actorId: "sync" },
    );
    if (!result.ok) return undefined;
    current = result.state.phase;
  }
  return current;
}

function describeSource(
  object: ClusterRecommendationState,
  fromController: boolean,
): { by: string; reason: string } {
  const where = `ResourceRecommendation ${object.namespace}/${object.name}`;
  if (fromController)
    return {
      by: "kubernetes:kubewise-controller",
      reason: `${where} is ${object.phase}`,
    };
  return {
    by: `kubernetes:${object.approval?.by ?? "unknown"}`,
    reason: `${object.approval?.state.toLowerCase()} on ${where}`,
  };
}

function planRowChange(
  row: RecommendationWithContext,
  object: ClusterRecommendationState,
  specHash: string,
): DbPhaseChange | string | undefined {
  const { id, phase } = row.recommendation;
  if (phase === "Rejected") return undefined;
  const ref = { namespace: object.namespace, name: object.name };
  const approvalValid =
    !object.approval?.specHash || object.approval.specHash === specHash;
  const fromController = eventsForClusterPhase(object.phase, phase);
  const events = fromController.length
    ? fromController
    : approvalValid
      ? eventsForClusterApproval(object.approval, phase)
      : [];
  if (!events.length) return undefined;
  if (replay(phase, events) === undefined)
    return `${ref.namespace}/${ref.name}: cluster is ${object.phase ?? object.approval?.state}, recommendation ${id} is ${phase}`;
  return {
    recommendationId: id,
    fromPhase: phase,
    events,
    ...describeSource(object, fromController.length > 0),
    object: ref,
  };
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

function planGroupDbChanges(
  group: RecommendationWithContext[],
  object: ClusterRecommendationState | undefined,
  specHash: string,
): GroupPlan {
  const result: GroupPlan = { dbChanges: [], conflicts: [], after: [] };
  for (const row of group) {
    const change = object ? planRowChange(row, object, specHash) : undefined;
    if (typeof change === "string") result.conflicts.push(change);
    if (typeof change === "object") {
      result.dbChanges.push(change);
      result.after.push(
        replay(change.fromPhase, change.events) ?? change.fromPhase,
      );
    } else result.after.push(row.recommendation.phase);
  }
  return result;
}

/**
 * Decides one sync round. Cluster facts first (kubectl approvals/rejections, controller phases
 * for the exact resources the DB holds), then the DB's decisions are pushed to the objects.
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
  for (const group of groupLatestByWorkload(input.rows)) {
    const open = group.filter((r) => r.recommendation.phase !== "Rejected");
    const [first] = group;
    if (!first) continue;
    const desired = buildDesired(first, open.length ? open : group);
    const ref = {
      namespace: desired.metadata.namespace,
      name: desired.metadata.name,
    };
    const specHash = hashRecommendedResources(desired.spec);
    const found = objects.get(`${ref.namespace}/${ref.name}`);
    const object = found?.specHash === specHash ? found : undefined;
    const { dbChanges, conflicts, after } = planGroupDbChanges(
      group,
      object,
      specHash,
    );
    plan.dbChanges.push(...dbChanges);
    plan.conflicts.push(...conflicts);
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
