import { and, desc, eq, isNull } from "drizzle-orm";

import type { DbExecutor } from "../client";
import { apiTokens, users } from "../schema";
import type { UserRow } from "./users";

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export async function insertApiToken(
  db: DbExecutor,
  values: {
    userId: string;
    name: string;
    tokenHash: string;
    prefix: string;
    createdAt: Date;
    expiresAt: Date | null;
    role: ApiTokenRow["role"];
    scopes: ApiTokenRow["scopes"];
  },
): Promise<ApiTokenRow> {
  const [row] = await db.insert(apiTokens).values(values).returning();
  if (!row) throw new Error("insert into api_tokens returned no row");
  return row;
}

/** An active (not revoked) token by hash, with its owner. */
export async function getActiveApiTokenByHash(
  db: DbExecutor,
  tokenHash: string,
): Promise<{ token: ApiTokenRow; user: UserRow } | undefined> {
  const rows = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .limit(1);
  return rows[0];
}

export async function touchApiToken(
  db: DbExecutor,
  id: string,
  at: Date,
): Promise<void> {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: at })
    .where(eq(apiTokens.id, id));
}

export async function getApiToken(
  db: DbExecutor,
  id: string,
): Promise<ApiTokenRow | undefined> {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.id, id))
    .limit(1);
  return rows[0];
}

export async function revokeApiToken(
  db: DbExecutor,
  id: string,
  at: Date,
): Promise<ApiTokenRow | undefined> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: at })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning();
  return row;
}

/** Every token (admins) or one user's tokens, newest first, with the owner's email. */
export async function listApiTokens(
  db: DbExecutor,
  userId?: string,
): Promise<(ApiTokenRow & { ownerEmail: string })[]> {
  const rows = await db
    .select({ token: apiTokens, ownerEmail: users.email })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(userId === undefined ? undefined : eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map((r) => ({ ...r.token, ownerEmail: r.ownerEmail }));
}
