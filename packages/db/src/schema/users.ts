import {
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

import { clusterScope } from "./clusters";
import { defaultNow, timestamptz } from "./columns";
import { userRole } from "./enums";

export const users = pgTable("users", {
  id: uuid().primaryKey().defaultRandom(),
  email: text().notNull().unique(),
  name: text().notNull(),
  passwordHash: text(),
  role: userRole().notNull().default("viewer"),
  createdAt: defaultNow(),
});

export const ALL_NAMESPACES = "*";

export const userNamespaceScopes = pgTable(
  "user_namespace_scopes",
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clusterId: clusterScope(),
    // A namespace name, or ALL_NAMESPACES.
    namespace: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.clusterId, t.namespace] })],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    tokenHash: text().notNull().unique(),
    prefix: text().notNull(),
    createdAt: defaultNow(),
    lastUsedAt: timestamp(timestamptz),
    revokedAt: timestamp(timestamptz),
    /** No expiry when null (tokens created before expiries existed). */
    expiresAt: timestamp(timestamptz),
    /** At most the owner's role; null = the owner's role. */
    role: userRole(),
    /** A subset of the owner's namespaces; null = the owner's scopes. */
    scopes: jsonb().$type<{ clusterId: string; namespace: string }[]>(),
  },
  (t) => [index().on(t.userId)],
);

/** Server-side sessions: the browser's cookie names a row; revoking the row signs it out at once. */
export const userSessions = pgTable(
  "user_sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp(timestamptz).notNull(),
    expiresAt: timestamp(timestamptz).notNull(),
    revokedAt: timestamp(timestamptz),
  },
  (t) => [index().on(t.userId)],
);
