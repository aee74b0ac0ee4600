export { TEST_NOW } from "./clock";
export {
  createTestDatabase,
  getTestServerKind,
  withRollback,
  type TestDatabase,
} from "./database";
export {
  createTestCluster,
  createTestContainer,
  createTestContainerChain,
  createTestRecommendation,
  createTestUser,
  createTestWorkload,
} from "./factories";
export type { TestServerKind } from "./provided";
