export {
  syncRecommendationsToCluster,
  SyncRecommendationsToClusterInputSchema,
  type SyncRecommendationsToClusterInput,
  type SyncRecommendationsToClusterResult,
} from "./sync-cluster";
export {
  DASHBOARD_APPROVER,
  type ClusterRecommendationState,
  type ClusterSyncPlan,
  type RecommendationPublisher,
} from "./plan";
