"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { useClusterSelection } from "~/components/cluster-selector";
import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";

const KINDS = {
  leak: "memory leak",
  cpu_spike: "CPU spike",
  oom_risk: "OOM risk",
} as const;

function formatDuration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

export default function AnomaliesPage() {
  const trpc = useTRPC();
  const [includeResolved, setIncludeResolved] = useState(false);
  const { input, multi, nameOf } = useClusterSelection();
  const anomalies = useQuery(
    trpc.anomaly.list.queryOptions({ ...input, includeResolved }),
  );
  return (
    <>
      <h1>Anomalies</h1>
      <div className="filters">
        <label style={{ flexDirection: "row", alignItems: "center" }}>
          <input
            type="checkbox"
            checked={includeResolved}
            onChange={(e) => setIncludeResolved(e.target.checked)}
          />{" "}
          include resolved
        </label>
      </div>
      <QueryState
        query={anomalies}
        isEmpty={(rows) => rows.length === 0}
        empty="No anomalies detected."
      >
        {(rows) => (
          <div className="panel">
            <table data-testid="anomalies-table">
              <thead>
                <tr>
                  {multi ? <th>Cluster</th> : null}
                  <th>Kind</th>
                  <th>Severity</th>
                  <th>Workload</th>
                  <th>Container</th>
                  <th className="num">Time to limit</th>
                  <th>Detected</th>
                  <th>Resolved</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.id} data-testid={`anomaly-row-${a.id}`}>
                    {multi ? <td>{nameOf(a.clusterId)}</td> : null}
                    <td>{KINDS[a.kind]}</td>
                    <td>{a.severity}</td>
                    <td>
                      <Link
                        href={`/clusters/${a.clusterId}/workloads/${a.workloadId}`}
                      >
                        {a.namespace}/{a.workloadKind}/{a.workloadName}
                      </Link>
                    </td>
                    <td>{a.containerName}</td>
                    <td className="num" data-testid="time-to-limit">
                      {formatDuration(a.timeToLimitSeconds)}
                    </td>
                    <td>
                      {a.detectedAt
                        .toISOString()
                        .slice(0, 16)
                        .replace("T", " ")}
                    </td>
                    <td>
                      {a.resolvedAt
                        ? a.resolvedAt
                            .toISOString()
                            .slice(0, 16)
                            .replace("T", " ")
                        : "open"}
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
