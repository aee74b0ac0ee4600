export type {
  AllocationAggregate,
  AllocationLine,
  AllocationResult,
} from "./allocation";
export {
  getCosts,
  type CostReport,
  type NamespaceCost,
  type WastefulWorkload,
} from "./get-costs";
export {
  getSavings,
  type NamespaceSavings,
  type SavingsReport,
} from "./get-savings";
export {
  AllocationAggregateSchema,
  getAllocation,
  GetAllocationInputSchema,
  type AllocationReport,
  type GetAllocationInput,
} from "./get-allocation";
export {
  getCostDrilldown,
  GetCostDrilldownInputSchema,
  type CostChild,
  type CostDrilldown,
  type CostPoint,
  type DrilldownScope,
  type GetCostDrilldownInput,
} from "./get-drilldown";
export {
  getCostSettings,
  GetCostSettingsInputSchema,
  putCostSettings,
  PutCostSettingsInputSchema,
  type CostSettingsView,
} from "./cost-settings";
export {
  exportAllocationCsv,
  ExportAllocationCsvInputSchema,
  exportRecommendationsCsv,
  ExportRecommendationsCsvInputSchema,
} from "./exports";
export { CostSettingsSchema, type CostSettings } from "./settings";
export type { AllocationWindow } from "./window";
export * from "./schemas";
