import { z } from "zod";

const ROLES = ["viewer", "approver", "admin"] as const;

const SessionUserSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string().nullable(),
  role: z.enum(ROLES),
  scopes: z.union([
    z.literal("all"),
    z.array(z.object({ clusterId: z.string(), namespace: z.string() })),
  ]),
});

export type SessionUser = z.infer<typeof SessionUserSchema>;

export function parseSessionUser(value: unknown): SessionUser | undefined {
  const parsed = SessionUserSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
