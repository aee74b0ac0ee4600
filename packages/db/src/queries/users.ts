import { eq } from "drizzle-orm";

import type { DbExecutor } from "../client";
import { userNamespaceScopes, users, type UserRole } from "../schema";

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
