export type E2eUser = {
  email: string;
  password: string;
  role: "viewer" | "approver" | "admin";
};

export type StackInfo = {
  baseUrl: string;
  databaseUrl: string;
  /** The instant the seed and the dashboard's clock are pinned to (ISO 8601). */
  now: string;
  users: Record<"admin" | "approver" | "viewer", E2eUser>;
  bootstrapAdmin: E2eUser;
  /** The local OIDC provider and the user provisioned for it (no password; signs in through OIDC). */
  oidc: { issuer: string; ssoUser: SsoUser };
};

export type SsoUser = {
  email: string;
  role: "approver";
  namespace: string;
};
