import { z } from "zod";

export const CreateApiTokenInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
});
export type CreateApiTokenInput = z.input<typeof CreateApiTokenInputSchema>;

export const RevokeApiTokenInputSchema = z.object({ id: z.uuid() });
export type RevokeApiTokenInput = z.input<typeof RevokeApiTokenInputSchema>;

export const ListApiTokensInputSchema = z.object({}).default({});
export type ListApiTokensInput = z.input<typeof ListApiTokensInputSchema>;

/** The raw `Authorization` header value or the bare token. */
export const AuthenticateApiTokenInputSchema = z.object({
  token: z.string().min(1).max(500),
});
export type AuthenticateApiTokenInput = z.input<
  typeof AuthenticateApiTokenInputSchema
>;
