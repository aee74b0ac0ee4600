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
export {
  CONTROLLER_CONNECTED_WITHIN_MS,
  getClusterConnection,
  GetClusterConnectionInputSchema,
  type ClusterConnection,
} from "./connection";
export { syncClusterHpas, type HpaSource, type HpaSyncResult } from "./hpas";
