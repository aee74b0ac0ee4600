import { createEnv } from "@t3-oss/env-nextjs";
import { z } from "zod";

const optionalUrl = z.url().optional();

export const env = createEnv({
  server: {
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// URL"),
    NEXTAUTH_SECRET: z
      .string()
      .min(16, "NEXTAUTH_SECRET needs at least 16 characters"),
    NEXTAUTH_URL: z.url(),
    KUBEWISE_ADMIN_EMAIL: z.email().default("admin@kubewise.local"),
    KUBEWISE_ADMIN_PASSWORD: z
      .string()
      .min(12, "KUBEWISE_ADMIN_PASSWORD needs at least 12 characters")
      .optional(),
    OIDC_ISSUER: optionalUrl,
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    // Pins the dashboard's clock to one instant (ISO 8601, e.g. 2026-11-29T23:58:00Z): for the
    // browser suite (E2E_NOW) and reproducible demos only; unset in production.
    KUBEWISE_NOW: z.iso
      .datetime({ offset: true })
      .transform((value) => new Date(value))
      .optional(),
    // Off by default: an SSO login never becomes an existing password user with the same email.
    KUBEWISE_OIDC_LINK_PASSWORD_USERS: z
      .enum(["true", "false"])
      .default("false")
      .transform((value) => value === "true"),
    // Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed; none by default.
    KUBEWISE_TRUSTED_PROXIES: z.string().optional(),
    NODE_ENV: z
      .enum(["development", "test", "production"])
      .default("development"),
  },
  client: {},
  experimental__runtimeEnv: {},
  emptyStringAsUndefined: true,
  // Lint and typecheck jobs build without secrets (STYLE §6).
  skipValidation: process.env.KUBEWISE_SKIP_ENV_VALIDATION === "1",
});

export function isOidcConfigured(): boolean {
  return Boolean(
    env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET,
  );
}
