export type E2eUser = {
  email: string;
  password: string;
  role: "viewer" | "approver" | "admin";
};

export type StackInfo = {
  baseUrl: string;
  databaseUrl: string;
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
