export { advanceFederation, type FederationStep } from "./advance";
export {
  getModelAssignment,
  type EvaluationAssignment,
  type ModelAssignment,
  type RoundPlanAssignment,
} from "./assign";
export {
  ensureInitialModel,
  getModelRegistry,
  GetModelRegistryInputSchema,
  type GetModelRegistryInput,
  type ModelRegistryView,
  type ModelVersionView,
  type RoundView,
} from "./registry";
export {
  DEFAULT_FEDERATION_SETTINGS,
  type FederationSettings,
  type ModelAssignmentInput,
  type RoundEvaluationInput,
  type RoundUpdateInput,
} from "./settings";
export {
  submitRoundEvaluation,
  submitRoundUpdate,
  type SubmitResult,
} from "./submit";
