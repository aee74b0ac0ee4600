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
