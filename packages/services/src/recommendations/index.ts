export { approveRecommendation } from "./approve";
export {
  bulkApproveRecommendations,
  type BulkApproveResult,
} from "./bulk-approve";
export { dryRunRecommendation, type DryRunResult } from "./dry-run";
export {
  generateRecommendations,
  type GenerateRecommendationsResult,
} from "./generate";
export {
  runRecommendationPass,
  RunRecommendationPassInputSchema,
  type PassProgress,
  type RecommendationPassResult,
  type RunRecommendationPassInput,
} from "./pass";
export { getRecommendation, type RecommendationDetail } from "./get";
export { listRecommendations } from "./list";
export {
  recordApplyProgress,
  RecordApplyProgressInputSchema,
  type RecordApplyProgressInput,
} from "./record-apply";
export { rejectRecommendation } from "./reject";
export * from "./schemas";
