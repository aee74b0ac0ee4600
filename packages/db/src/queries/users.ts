import { and, eq, gt, inArray, isNull } from "drizzle-orm";

import type { DbExecutor } from "../client";
import {
  userNamespaceScopes,
  users,
  userSessions,
  type UserRole,
} from "../schema";

export type UserRow = typeof users.$inferSelect;
export type UserScopeRow = typeof userNamespaceScopes.$inferSelect;

export async function getUserByEmail(
  db: DbExecutor,
  email: string,
): Promise<UserRow | undefined> {
  const rows = await db
    .select()
    .from(users)
    .where(eq(users.email, email.toLowerCase()))
    .limit(1);
  return rows[0];
}

export async function getUserById(
  db: DbExecutor,
  id: string,
): Promise<UserRow | undefined> {
  const rows = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0];
}

export async function listUserScopes(
  db: DbExecutor,
  userId: string,
): Promise<UserScopeRow[]> {
  return db
    .select()
    .from(userNamespaceScopes)
    .where(eq(userNamespaceScopes.userId, userId));
}

export async function insertUser(
  db: DbExecutor,
  values: {
    email: string;
    name: string;
    role: UserRole;
    passwordHash?: string | null;
    createdAt?: Date;
  },
): Promise<UserRow> {
  const [row] = await db
    .insert(users)
    .values({ ...values, email: values.email.toLowerCase() })
    .returning();
  if (!row) throw new Error("insert into users returned no row");
  return row;
}

export async function updateUser(
  db: DbExecutor,
  id: string,
  values: Partial<Pick<UserRow, "name" | "role" | "passwordHash">>,
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set(values)
    .where(eq(users.id, id))
    .returning();
  return row;
}

export async function addUserScopes(
  db: DbExecutor,
  scopes: readonly UserScopeRow[],
): Promise<void> {
  if (scopes.length === 0) return;
  await db
    .insert(userNamespaceScopes)
    .values([...scopes])
    .onConflictDoNothing();
}

export type SessionRow = typeof userSessions.$inferSelect;

export async function insertSession(
  db: DbExecutor,
  values: { userId: string; createdAt: Date; expiresAt: Date },
): Promise<SessionRow> {
  const [row] = await db.insert(userSessions).values(values).returning();
  if (!row) throw new Error("insert into user_sessions returned no row");
  return row;
}

/** A session that is neither revoked nor expired at `now`, with its user. */
export async function getActiveSession(
  db: DbExecutor,
  id: string,
  now: Date,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const rows = await db
    .select({ session: userSessions, user: users })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .where(
      and(
        eq(userSessions.id, id),
        isNull(userSessions.revokedAt),
        gt(userSessions.expiresAt, now),
      ),
    )
    .limit(1);
  return rows[0];
}

export async function revokeSession(
  db: DbExecutor,
  id: string,
  at: Date,
): Promise<void> {
  await db
    .update(userSessions)
    .set({ revokedAt: at })
    .where(and(eq(userSessions.id, id), isNull(userSessions.revokedAt)));
}

/** Names and emails of the given user ids (audit actors), in one query. */
export async function getUserNames(
  db: DbExecutor,
  ids: readonly string[],
): Promise<Map<string, { name: string; email: string }>> {
  const uuids = ids.filter((id) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id),
  );
  if (uuids.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(inArray(users.id, [...new Set(uuids)]));
  return new Map(rows.map((r) => [r.id, { name: r.name, email: r.email }]));
}
