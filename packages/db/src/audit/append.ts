import { asc, eq, sql } from "drizzle-orm";

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
 * Appends one row in the caller's transaction (a savepoint; a transaction of its own when given
 * the database). The chain head row is locked FOR UPDATE, so concurrent appends serialize and
 * each links to the previous one.
 */
export async function appendAudit(
  executor: DbExecutor,
  entry: AuditEntryInput,
): Promise<ChainedAuditRecord> {
  return executor.transaction(async (tx) => {
    const [head] = await tx
      .select({ lastHash: auditChainHead.lastHash })
      .from(auditChainHead)
      .where(eq(auditChainHead.id, 1))
      .for("update");
    if (head === undefined)
      throw new Error("audit_chain_head is missing: run the migrations");
    const [next] = await tx.execute<{ id: string }>(
      sql`select nextval(pg_get_serial_sequence('audit_log', 'id')) as id`,
    );
    const record = {
      id: Number(next?.id),
      ts: new Date((entry.ts ?? new Date()).getTime()),
      clusterId: entry.clusterId,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      payload: normalizeAuditPayload(entry.payload),
      prevHash: head.lastHash,
    };
    const chained = { ...record, hash: computeAuditHash(record) };
    await tx.insert(auditLog).values(chained);
    await tx
      .update(auditChainHead)
      .set({ lastId: chained.id, lastHash: chained.hash })
      .where(eq(auditChainHead.id, 1));
    return chained;
  });
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
