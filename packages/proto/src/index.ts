export * as agentV1 from "./agent-v1";
export {
  createSyncMetricsDecoder,
  type SyncMetricsDecoder,
} from "./sync-metrics-decoder";
