"use client";

import { useQuery } from "@tanstack/react-query";

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
                  <th>Actor</th>
                  <th>Action</th>
                  <th>Subject</th>
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
                    <td>{row.actor}</td>
                    <td>{row.action}</td>
                    <td>{row.subject}</td>
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
