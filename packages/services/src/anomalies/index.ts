export { listAnomalies, type AnomalyView } from "./list";
export * from "./schemas";
