import { z } from "zod";

export const AuthenticateCredentialsInputSchema = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
});
export type AuthenticateCredentialsInput = z.input<
  typeof AuthenticateCredentialsInputSchema
>;

export const UpsertOidcUserInputSchema = z.object({
  email: z.email().max(320),
  name: z.string().trim().min(1).max(200),
  /** The IdP vouches for the email; anything but true is refused (matching is by email). */
  emailVerified: z.boolean(),
  /** Let SSO sign in as an existing password user with the same email (off by default). */
  linkCredentialsUsers: z.boolean().default(false),
});
export type UpsertOidcUserInput = z.input<typeof UpsertOidcUserInputSchema>;

export const EnsureBootstrapAdminInputSchema = z.object({
  email: z.email().max(320),
  password: z
    .string()
    .min(12, "the bootstrap admin password needs at least 12 characters")
    .max(1024),
  name: z.string().trim().min(1).max(200).default("Administrator"),
});
export type EnsureBootstrapAdminInput = z.input<
  typeof EnsureBootstrapAdminInputSchema
>;
