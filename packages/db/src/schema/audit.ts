import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";

import { timestamptz } from "./columns";

// Append-only (trigger + REVOKE in the migrations); hash = sha256(prev_hash || canonical row).
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    ts: timestamp(timestamptz).notNull(),
    // No foreign key: audit rows outlive the cluster they describe.
    clusterId: uuid(),
    actor: text().notNull(),
    action: text().notNull(),
    subject: text().notNull(),
    payload: jsonb().$type<unknown>().notNull().default({}),
    prevHash: text().notNull(),
    hash: text().notNull().unique(),
  },
  (t) => [index().on(t.clusterId, t.ts)],
);

// Single row locked FOR UPDATE by appendAudit so concurrent appends serialize on the chain head.
export const auditChainHead = pgTable(
  "audit_chain_head",
  {
    id: integer().primaryKey().default(1),
    lastId: bigint({ mode: "number" }),
    lastHash: text().notNull(),
  },
  () => [check("audit_chain_head_single_row", sql`id = 1`)],
);
