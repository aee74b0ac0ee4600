import { asc, eq, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";

import type { DbExecutor } from "../client";
import { auditChainHead, auditLog } from "../schema";
import {
  computeAuditHash,
  normalizeAuditPayload,
  type ChainedAuditRecord,
} from "./canonical";
import { verifyAuditChain, type AuditChainResult } from "./verify";

export type AuditEntryInput = {
  /** Defaults to now; stored with millisecond precision so the hash round-trips. */
  ts?: Date;
  clusterId: string | null;
  actor: string;
  action: string;
  subject: string;
  payload: unknown;
};

/**
 * Appends one row in the caller's transaction (a transaction of its own when given the database).
 * The chain head row is locked FOR UPDATE, so concurrent appends serialize and each links to the
 * previous one. The lock is held until the caller commits, so the append is kept to three statements
 * (the head locked, the id drawn, the row and the new head written together) and takes no savepoint
 * inside the caller's transaction: a recommendation pass's writes queued on the head for three more
 * round trips each.
 */
export async function appendAudit(
  executor: DbExecutor,
  entry: AuditEntryInput,
): Promise<ChainedAuditRecord> {
  const [record] = await appendAuditEntries(executor, [entry]);
  if (record === undefined) throw new Error("audit append returned no row");
  return record;
}

/**
 * Appends `entries` in order as consecutive links of the chain, in the same three statements as one
 * entry (the head locked, the ids drawn, the rows and the new head written together): a
 * recommendation pass appends a chunk's entries at once instead of one round trip set per entry.
 */
export async function appendAuditEntries(
  executor: DbExecutor,
  entries: readonly AuditEntryInput[],
): Promise<ChainedAuditRecord[]> {
  if (entries.length === 0) return [];
  if (inTransaction(executor)) return appendLocked(executor, entries);
  return executor.transaction((tx) => appendLocked(tx, entries));
}

/** Whether `executor` is a transaction (a boolean, not a type guard: it stays a DbExecutor). */
function inTransaction(executor: DbExecutor): boolean {
  return executor instanceof PgTransaction;
}

async function appendLocked(
  tx: DbExecutor,
  entries: readonly AuditEntryInput[],
): Promise<ChainedAuditRecord[]> {
  const [head] = await tx.execute<{ last_hash: string }>(sql`
    select last_hash from ${auditChainHead} where id = 1 for update`);
  if (head === undefined)
    throw new Error("audit_chain_head is missing: run the migrations");
  // Drawn once the head is locked, so ids follow the chain's order.
  const ids = (
    await tx.execute<{ id: string }>(
      sql`select nextval(pg_get_serial_sequence('audit_log', 'id')) as id
          from generate_series(1, ${entries.length}::int)`,
    )
  )
    .map((r) => Number(r.id))
    .sort((a, b) => a - b);
  let prevHash = head.last_hash;
  const chained = entries.map((entry, i) => {
    const record = {
      id: ids[i] ?? Number.NaN,
      ts: new Date((entry.ts ?? new Date()).getTime()),
      clusterId: entry.clusterId,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      payload: normalizeAuditPayload(entry.payload),
      prevHash,
    };
    const link = { ...record, hash: computeAuditHash(record) };
    prevHash = link.hash;
    return link;
  });
  const last = chained.at(-1);
  if (last === undefined || !Number.isInteger(last.id))
    throw new Error("audit append drew fewer ids than entries");
  const rows = sql.join(
    chained.map(
      (
        c,
      ) => sql`(${c.id}, ${c.ts.toISOString()}::timestamptz, ${c.clusterId}::uuid,
        ${c.actor}, ${c.action}, ${c.subject}, ${JSON.stringify(c.payload)}::jsonb,
        ${c.prevHash}, ${c.hash})`,
    ),
    sql`, `,
  );
  await tx.execute(sql`
    with appended as (
      insert into ${auditLog} (id, ts, cluster_id, actor, action, subject, payload, prev_hash, hash)
      values ${rows}
    )
    update ${auditChainHead} set last_id = ${last.id}, last_hash = ${last.hash} where id = 1`);
  return chained;
}

/** Reads the whole chain and its recorded head, and verifies them. */
export async function verifyStoredAuditChain(
  executor: DbExecutor,
): Promise<AuditChainResult & { rowCount: number }> {
  const rows = await executor.select().from(auditLog).orderBy(asc(auditLog.id));
  const [head] = await executor
    .select()
    .from(auditChainHead)
    .where(eq(auditChainHead.id, 1));
  const result = verifyAuditChain(rows, { expectedLastHash: head?.lastHash });
  return { ...result, rowCount: rows.length };
}
