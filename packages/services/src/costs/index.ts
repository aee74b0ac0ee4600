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
export * from "./schemas";
