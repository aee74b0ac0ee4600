// The rollout controller: pure decisions (./reconcile), the loop, its ports and client-node adapters.
export * from "./ports";
export {
  createLifecycleController,
  NotLeaderError,
  type LifecycleController,
  type LifecycleControllerDeps,
  type WriteCounts,
} from "./lifecycle-controller";
export {
  decideReconcile,
  isStatusEqual,
  parseRolloutSteps,
  DEFAULT_CONTROLLER_POLICY,
  DEFAULT_ROLLOUT_STEPS,
  type AuditEvent,
  type ControllerPolicy,
  type ReconcileDecision,
  type ReconcileInput,
  type WorkloadAction,
  type WorkloadSnapshot,
} from "./reconcile/reconcile";
export * from "./reconcile/conditions";
export * from "./reconcile/lease";
export * from "./reconcile/namespace-policy";
export * from "./reconcile/signals";
export {
  createKubeClients,
  isApiStatus,
  loadKubeConfig,
  withRawBody,
  type KubeClients,
} from "./adapters/kube-clients";
export {
  IDENTITY_NAMESPACE,
  readKubeSystemUid,
} from "./adapters/cluster-identity";
export {
  createLeaseElector,
  type LeaderElectorOptions,
} from "./adapters/lease-elector";
export { createRecommendationStore } from "./adapters/recommendation-store";
export { createWorkloadStore } from "./adapters/workload-store";
export { createNamespacePolicyResolver } from "./adapters/namespace-policy-resolver";
export {
  APPROVAL_FIELD_MANAGER,
  FIELD_MANAGER,
} from "./adapters/field-manager";
export {
  combineAuditSinks,
  createEventAuditSink,
} from "./adapters/event-audit-sink";
export {
  watchPodPlacement,
  type PodPlace,
  type PodPlacementOptions,
  type WatchedPodPlacement,
} from "./adapters/pod-placement";
export {
  createTokenReviewer,
  TokenReviewUnavailableError,
  type TokenReviewer,
  type TokenReviewResult,
} from "./adapters/token-review";
export {
  createRecommendationPublisher,
  type PublishedRecommendation,
  type RecommendationPublisher,
} from "./publisher";
export { createHpaSource, toHpaObservation } from "./adapters/hpa-source";
