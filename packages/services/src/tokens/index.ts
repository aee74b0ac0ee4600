export { authenticateApiToken } from "./authenticate";
export {
  createApiToken,
  type ApiTokenView,
  type CreatedApiToken,
} from "./create";
export { listApiTokens } from "./list";
export { revokeApiToken } from "./revoke";
export * from "./schemas";
