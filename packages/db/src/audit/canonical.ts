import { createHash } from "node:crypto";

export const AUDIT_GENESIS_HASH = "0".repeat(64);

/** The hashed content of an audit row; `hash` itself is excluded. */
export type AuditRecord = {
  id: number;
  ts: Date;
  clusterId: string | null;
  actor: string;
  action: string;
  subject: string;
  payload: unknown;
  prevHash: string;
};

export type ChainedAuditRecord = AuditRecord & { hash: string };

// JSON with object keys sorted at every depth, so equal values always hash equally.
export function toCanonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    return `[${value.map((item) => toCanonicalJson(item)).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${toCanonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function computeAuditHash(record: AuditRecord): string {
  const content = {
    id: record.id,
    ts: record.ts,
    clusterId: record.clusterId,
    actor: record.actor,
    action: record.action,
    subject: record.subject,
    payload: record.payload,
  };
  return createHash("sha256")
    .update(record.prevHash)
    .update(toCanonicalJson(content))
    .digest("hex");
}

// What a payload looks like after a jsonb round trip (undefined dropped, Dates as strings).
export function normalizeAuditPayload(payload: unknown): unknown {
  return JSON.parse(JSON.stringify(payload ?? {})) as unknown;
}
