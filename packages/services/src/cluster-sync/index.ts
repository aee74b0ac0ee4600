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
// syncClusterHpas runs inside syncRecommendationsToCluster (authorized there); not a verb of its own.
export type { HpaSource, HpaSyncResult } from "./hpas";
