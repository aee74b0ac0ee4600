export * from "./crd/resource-recommendation";
export { buildResourceRecommendationCrd } from "./crd/resource-recommendation-crd";
export { renderCrdFiles, type RenderedFile } from "./crd/render";
export { toStructuralSchema } from "./crd/structural-schema";
export { nextMemoryFloorBytes } from "./quantity";
export * from "./builders/recommendation-object";
export * from "./builders/workload-patch";
export * from "./controller/conditions";
export * from "./controller/lease";
export * from "./controller/namespace-policy";
export * from "./controller/reconcile";
export * from "./controller/signals";
export * from "./controller/lifecycle-controller";
export {
  createKubeClients,
  isApiStatus,
  loadKubeConfig,
  type KubeClients,
} from "./client/kube-clients";
export {
  createLeaseElector,
  type LeaderElector,
  type LeaderElectorOptions,
} from "./client/lease-elector";
export {
  createRecommendationStore,
  FIELD_MANAGER,
  type ObjectRef,
  type RecommendationStore,
} from "./client/recommendation-store";
export {
  createNamespacePolicyResolver,
  createWorkloadStore,
  type WorkloadObservation,
  type WorkloadRef,
  type WorkloadStore,
} from "./client/workload-store";
export {
  combineAuditSinks,
  createEventAuditSink,
} from "./client/event-audit-sink";
export {
  createTokenReviewer,
  TokenReviewUnavailableError,
  type TokenReviewer,
  type TokenReviewResult,
} from "./client/token-review";
