export { detectAnomalies, type DetectAnomaliesResult } from "./detect";
export { listAnomalies, type AnomalyView } from "./list";
export {
  recordAgentAnomalies,
  type RecordAgentAnomaliesResult,
} from "./record";
export * from "./schemas";
