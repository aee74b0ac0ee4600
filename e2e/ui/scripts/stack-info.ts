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
};
