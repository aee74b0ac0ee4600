export * from "./anomalies";
export * from "./audit";
export * from "./budgets";
export * from "./notifications";
export {
  assertNamespaceAccess,
  authorize,
  canAccessNamespace,
} from "./auth/authorize";
export { PERMISSIONS, type VerbName } from "./auth/permissions";
export * from "./cluster-sync";
export * from "./clusters";
export * from "./context";
export * from "./costs";
export * from "./recommendations";
export * from "./rollout";
export * from "./safety";
export * from "./tokens";
export * from "./users";
export * from "./models";
