export {
  DEMO_NAMESPACES,
  DEMO_SAFETY,
  DEMO_USERS,
  DEMO_WORKLOADS,
} from "./catalog";
export {
  extendDemoHistory,
  type ExtendDemoHistoryInput,
  type ExtendDemoHistoryResult,
} from "./live";
export { createSeededRng } from "./rng";
export {
  DEMO_HISTORY_DAYS,
  seedDemoData,
  type SeedDemoDataInput,
  type SeedDemoDataResult,
} from "./seed";
