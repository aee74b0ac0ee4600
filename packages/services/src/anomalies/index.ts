export { detectAnomalies, type DetectAnomaliesResult } from "./detect";
export { listAnomalies, type AnomalyView } from "./list";
export * from "./schemas";
