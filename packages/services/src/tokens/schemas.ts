import { z } from "zod";

export const CreateApiTokenInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** Days until the token stops working (default 90). */
  expiresInDays: z.number().int().min(1).max(365).default(90),
  /** At most the creator's role (default: the creator's role). */
  role: z.enum(["viewer", "approver", "admin"]).optional(),
  /** A subset of the creator's namespaces (default: all of them). */
  namespaces: z
    .array(
      z.object({ clusterId: z.uuid(), namespace: z.string().min(1).max(63) }),
    )
    .max(100)
    .optional(),
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
