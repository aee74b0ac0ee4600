// The ports the lifecycle controller needs, declared beside it (docs/STYLE.md §12); the
// client-node adapters in ./adapters implement them, tests pass fakes.
import type { ApplicableWorkloadKind } from "@kubewise/core";
import type {
  Approval,
  JsonPatchOperation,
  ResourceRecommendation,
  ResourceRecommendationApply,
  ResourceRecommendationStatus,
  VpaContainerRecommendation,
} from "@kubewise/k8s";

import type {
  AuditEvent,
  ControllerPolicy,
  WorkloadSnapshot,
} from "./reconcile/decision-context";
import type {
  PdbLike,
  PodLike,
  RolloutSignals,
  SignalsQuery,
} from "./reconcile/signals";

export type ObjectRef = { namespace: string; name: string };

export type WorkloadRef = {
  kind: ApplicableWorkloadKind;
  namespace: string;
  name: string;
};

/** Reads and writes ResourceRecommendation objects (server-side apply, one field manager). */
export type RecommendationStore = {
  get(ref: ObjectRef): Promise<ResourceRecommendation | undefined>;
  apply(object: ResourceRecommendationApply): Promise<ResourceRecommendation>;
  /** The controller's status (everything but containerRecommendations, which the publisher owns). */
  applyStatus(
    ref: ObjectRef & { resourceVersion?: string },
    status: ResourceRecommendationStatus,
  ): Promise<void>;
  /** status.containerRecommendations, under the recommender's own field manager. */
  applyBounds(
    ref: ObjectRef,
    bounds: VpaContainerRecommendation[],
  ): Promise<void>;
  setApproval(
    ref: ObjectRef,
    approval: Approval,
    options?: { dryRun?: boolean },
  ): Promise<void>;
  list(namespace?: string): Promise<ResourceRecommendation[]>;
};

export type WorkloadObservation = {
  workload: WorkloadSnapshot;
  uid: string;
  /** Its pods (a CronJob: the pods of the Jobs it created). */
  pods: PodLike[];
  pdbs: PdbLike[];
};

/**
 * The API server refused a write for good (invalid, or denied by admission or RBAC): sending the
 * same bytes again cannot succeed. Transient failures (conflicts, throttling, outages) are not this.
 */
export class WriteRefusedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`the API server refused the write (${code}: ${reason})`);
    this.name = "WriteRefusedError";
  }
}

/**
 * Reads a workload with its pods and PDBs, and writes the changes the controller decided; a write
 * the API server refuses for good throws WriteRefusedError.
 */
export type WorkloadStore = {
  observe(ref: WorkloadRef): Promise<WorkloadObservation | undefined>;
  /** Merge patch of the workload's own annotations (the apply record), before any resource change. */
  annotate(
    ref: WorkloadRef,
    annotations: Record<string, string>,
  ): Promise<void>;
  /** The resources patch exactly as built (status.generatedPatch), as a strategic merge patch. */
  patchResources(ref: WorkloadRef, body: string): Promise<void>;
  /** A StatefulSet's RollingUpdate partition. */
  setPartition(ref: WorkloadRef, partition: number): Promise<void>;
  /** JSON patch restoring the exact previous resources. */
  rollbackTemplate(
    ref: WorkloadRef,
    patch: JsonPatchOperation[],
  ): Promise<void>;
  /** pods/resize with this exact body; a pod that is gone is not an error. */
  resizePod(ref: ObjectRef, body: string): Promise<void>;
};

/** Leader election over a Lease: only the holder writes. */
export type LeaderElector = {
  /** One election round: create, renew or take over the Lease. Returns whether this instance leads. */
  tryAcquireOrRenew(): Promise<boolean>;
  /** True while the last successful renewal is younger than the lease duration (local clock). */
  isLeader(): boolean;
  /** Gives the lease up so another instance can take over without waiting for expiry. */
  release(): Promise<void>;
  readonly identity: string;
};

export type AuditSink = {
  record(event: AuditEvent & { at: Date; actor: string }): Promise<void>;
};

export type ControllerLogger = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
};

/** Throttling, OOM kills and working set from the metric store for a rollout in progress. */
export type SignalsReader = (query: SignalsQuery) => Promise<RolloutSignals>;

export type PolicyResolver = (namespace: string) => Promise<ControllerPolicy>;
