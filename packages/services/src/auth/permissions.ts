import type { Role } from "../context";

/** Minimum role per verb; "public" verbs authenticate the caller themselves. */
export const PERMISSIONS = {
  listRecommendations: "viewer",
  getRecommendation: "viewer",
  dryRunRecommendation: "viewer",
  approveRecommendation: "approver",
  rejectRecommendation: "approver",
  bulkApproveRecommendations: "approver",
  generateRecommendations: "admin",
  recordApplyProgress: "admin",
  syncRecommendationsToCluster: "admin",
  getRolloutSignals: "admin",
  getCosts: "viewer",
  getSavings: "viewer",
  listAnomalies: "viewer",
  detectAnomalies: "admin",
  recordAgentAnomalies: "admin",
  getSafetyConfig: "viewer",
  putSafetyConfig: "admin",
  listAuditEntries: "admin",
  verifyAuditChain: "admin",
  createApiToken: "admin",
  listApiTokens: "admin",
  revokeApiToken: "admin",
  authenticateApiToken: "public",
  authenticateCredentials: "public",
  upsertOidcUser: "public",
  ensureBootstrapAdmin: "public",
  getCurrentUser: "viewer",
} as const satisfies Record<string, Role | "public">;

export type VerbName = keyof typeof PERMISSIONS;
