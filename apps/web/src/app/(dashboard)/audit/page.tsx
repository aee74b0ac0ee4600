"use client";

import { useQuery } from "@tanstack/react-query";

import { formatBytes, formatCpuCores } from "@kubewise/core";

import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";

function ChainStatus() {
  const trpc = useTRPC();
  const verify = useQuery(trpc.audit.verify.queryOptions({}));
  return (
    <QueryState query={verify} empty="">
      {(result) => (
        <p data-testid="audit-chain" className={result.ok ? "ok" : "error"}>
          {result.ok
            ? `Hash chain verified: ${result.rowCount} entries intact (checked ${result.checkedAt.toISOString()}).`
            : `Hash chain BROKEN at row ${String(result.brokenAtIndex)}: ${result.reason ?? "unknown reason"}.`}
        </p>
      )}
    </QueryState>
  );
}

function resources(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, number | null | undefined>;
  if (!("cpuRequestMillicores" in r)) return undefined;
  const cpu = r.cpuRequestMillicores ?? null;
  const memory = r.memoryRequestBytes ?? null;
  return `${cpu === null ? "—" : formatCpuCores(cpu)}, ${memory === null ? "—" : formatBytes(memory)}`;
}

/** Reason or comment, and the before/after of what changed, in words. */
function describeChange(row: {
  reason: string | null;
  payload: unknown;
}): string {
  const payload = (row.payload ?? {}) as Record<string, unknown>;
  const before = resources(payload.before);
  const after = resources(payload.after);
  const change = before && after ? `requests ${before} → ${after}` : "";
  return [row.reason ? `“${row.reason}”` : "", change]
    .filter(Boolean)
    .join(" · ");
}

export default function AuditPage() {
  const trpc = useTRPC();
  const entries = useQuery(trpc.audit.list.queryOptions({ limit: 200 }));
  return (
    <>
      <h1>Audit log</h1>
      <div className="panel">
        <ChainStatus />
      </div>
      <QueryState
        query={entries}
        isEmpty={(rows) => rows.length === 0}
        empty="No audit entries yet."
      >
        {(rows) => (
          <div className="panel">
            <table data-testid="audit-table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Time</th>
                  <th>Who</th>
                  <th>Action</th>
                  <th>Subject</th>
                  <th>Reason / change</th>
                  <th>Hash</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id}>
                    <td>{row.id}</td>
                    <td>
                      {row.ts.toISOString().replace("T", " ").slice(0, 19)}
                    </td>
                    <td title={row.actor}>{row.actorName}</td>
                    <td>{row.action}</td>
                    <td>{row.subject}</td>
                    <td data-testid="audit-detail">{describeChange(row)}</td>
                    <td>
                      <code title={row.hash}>{row.hash.slice(0, 12)}…</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </>
  );
}
