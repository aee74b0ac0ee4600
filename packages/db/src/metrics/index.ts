export {
  ALLOCATION_CARRY_BUCKETS,
  ALLOCATION_STEP_MS,
  insertClusterCapacity,
  refreshAllocation,
  refreshAllocationTotals,
} from "./allocation";
export {
  dropMetricPartitionsBefore,
  ensureMetricPartitions,
  partitionDefaultRows,
} from "./partitions";
export {
  maintainMetricStorage,
  type MetricMaintenanceOptions,
  type MetricMaintenanceResult,
} from "./maintenance";
export {
  getRawSampleHorizon,
  refreshRollups,
  type RefreshRollupsOptions,
  type RefreshRollupsResult,
} from "./rollups";
export { getMetricStorageMode, type MetricStorageMode } from "./storage-mode";
export { ROLLUP_BUCKET_SECONDS, type TimeRange } from "./time-range";
export {
  buildUsageSeriesQuery,
  queryUsageSeries,
  type UsageSeriesPoint,
  type UsageSeriesQuery,
} from "./usage-series";
