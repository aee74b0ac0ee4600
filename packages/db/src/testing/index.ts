export { TEST_NOW } from "./clock";
export {
  createTestDatabase,
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
