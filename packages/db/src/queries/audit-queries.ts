import { and, desc, eq, type SQL } from "drizzle-orm";

import type { DbExecutor } from "../client";
import { auditLog } from "../schema";

export type AuditLogRow = typeof auditLog.$inferSelect;

export async function listAuditLog(
  db: DbExecutor,
  filter: {
    clusterId?: string | undefined;
    subject?: string | undefined;
    limit: number;
    offset: number;
  },
): Promise<AuditLogRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.clusterId === undefined
      ? undefined
      : eq(auditLog.clusterId, filter.clusterId),
    filter.subject === undefined
      ? undefined
      : eq(auditLog.subject, filter.subject),
  ];
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(filter.limit)
    .offset(filter.offset);
}
