export {
  DEMO_NAMESPACES,
  DEMO_SAFETY,
  DEMO_USERS,
  DEMO_WORKLOADS,
} from "./catalog";
export { createSeededRng } from "./rng";
export {
  seedDemoData,
  type SeedDemoDataInput,
  type SeedDemoDataResult,
} from "./seed";
