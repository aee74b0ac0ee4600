export { toAuthenticatedUser, type AuthenticatedUser } from "./actor";
export { authenticateCredentials } from "./authenticate-credentials";
export { ensureBootstrapAdmin } from "./ensure-bootstrap-admin";
export { getCurrentUser, type CurrentUser } from "./get-current-user";
export { endSession, resolveSession, startSession } from "./sessions";
export { upsertOidcUser } from "./upsert-oidc-user";
export * from "./schemas";
