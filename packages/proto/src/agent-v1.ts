// kubewise.agent.v1 is split over agent.proto and federated.proto; callers see one namespace.
export * from "./gen/kubewise/agent/v1/agent";
export {
  EvaluationTask,
  ModelChannel,
  modelChannelFromJSON,
  modelChannelToJSON,
  RoundPlan,
  UploadEvaluationRequest,
  UploadEvaluationResponse,
} from "./gen/kubewise/agent/v1/federated";
