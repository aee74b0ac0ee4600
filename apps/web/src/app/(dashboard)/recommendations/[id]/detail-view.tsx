"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import {
  formatBytes,
  formatCpuCores,
  formatMicroUsd,
  formatPercent,
} from "@kubewise/core";

import { UsageChart } from "~/components/charts";
import { QueryState } from "~/components/query-state";
import { Cpu, Memory } from "~/components/resources";
import { useTRPC } from "~/trpc/react";
import { DecisionDialog } from "../decision-dialog";
import type { Decision } from "../decision-dialog";
import { EvidencePanel } from "./evidence-panel";
import { ForecastNote } from "./forecast-note";
import type { Detail } from "./usage-series";
import { forecastNowMs, usagePoints } from "./usage-series";

function Summary({ detail }: { detail: Detail }) {
  return (
    <div className="cards">
      <div className="card">
        <div className="label">Workload</div>
        <div className="value" style={{ fontSize: 16 }}>
          {detail.namespace}/{detail.workloadKind}/{detail.workloadName} ·{" "}
          {detail.containerName}
        </div>
      </div>
      <div className="card">
        <div className="label">Phase</div>
        <div className="value" data-testid="detail-phase">
          {detail.phase}
        </div>
      </div>
      <div className="card">
        <div className="label">Confidence</div>
        <div className="value">{formatPercent(detail.confidence)}</div>
      </div>
      <div className="card">
        <div className="label">Monthly savings</div>
        <div className="value">
          {formatMicroUsd(detail.projectedMonthlySavingsMicroUsd)}
        </div>
      </div>
    </div>
  );
}

type TrailRow = {
  key: string;
  at: Date;
  actor: string;
  action: string;
  details: string;
};

function trailRows(detail: Detail): TrailRow[] {
  const events = detail.events.map((event, index) => ({
    key: `event-${index}`,
    at: event.at,
    actor: event.actorName,
    action: `${event.fromPhase ?? "—"} → ${event.toPhase}`,
    details: event.reason ?? "",
  }));
  const audit = detail.auditTrail.map((entry) => ({
    key: `audit-${entry.id}`,
    at: entry.ts,
    actor: entry.actorName,
    action: entry.action,
    details: `hash ${entry.hash.slice(0, 12)}…`,
  }));
  return [...events, ...audit].sort((a, b) => a.at.getTime() - b.at.getTime());
}

function Trail({ detail }: { detail: Detail }) {
  const rows = trailRows(detail);
  if (rows.length === 0) return <p className="state">No decisions yet.</p>;
  return (
    <table data-testid="audit-trail">
      <thead>
        <tr>
          <th>Time</th>
          <th>Actor</th>
          <th>Action</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <td>{row.at.toISOString().replace("T", " ").slice(0, 19)}</td>
            <td>{row.actor}</td>
            <td>{row.action}</td>
            <td>{row.details}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RecommendationDetailView({
  id,
  canApprove,
}: {
  id: string;
  canApprove: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [deciding, setDeciding] = useState<Decision | undefined>();
  const detail = useQuery(trpc.recommendation.get.queryOptions({ id }));
  const invalidate = () =>
    queryClient.invalidateQueries({ queryKey: trpc.recommendation.pathKey() });
  const dryRun = useMutation(trpc.recommendation.dryRun.mutationOptions());

  return (
    <QueryState
      query={detail}
      empty="Recommendation not found."
      notFound={
        <>
          <p>
            No recommendation with this id, or it is outside your namespaces.
          </p>
          <Link href="/recommendations">Back to recommendations</Link>
        </>
      }
    >
      {(d) => (
        <>
          <Summary detail={d} />
          {canApprove && d.phase === "Pending" ? (
            <div className="row" style={{ marginBottom: 16 }}>
              <button
                type="button"
                className="primary"
                onClick={() => setDeciding("approve")}
              >
                Approve
              </button>
              <button type="button" onClick={() => setDeciding("reject")}>
                Reject
              </button>
            </div>
          ) : null}
          <div className="grid2">
            <div className="panel">
              <h2>CPU usage (p50 / p95 / max)</h2>
              <UsageChart
                testId="cpu-usage-chart"
                points={usagePoints(d, "cpu")}
                current={d.current.cpuRequestMillicores}
                recommended={d.recommended.cpuRequestMillicores}
                nowMs={forecastNowMs(d)}
                formatValue={formatCpuCores}
              />
            </div>
            <div className="panel">
              <h2>Memory usage (p50 / p95 / max)</h2>
              <UsageChart
                testId="memory-usage-chart"
                points={usagePoints(d, "memory")}
                current={d.current.memoryRequestBytes}
                recommended={d.recommended.memoryRequestBytes}
                nowMs={forecastNowMs(d)}
                formatValue={(v) => formatBytes(v)}
              />
            </div>
          </div>
          <ForecastNote detail={d} />
          <div className="grid2">
            <div className="panel">
              <h2>Time windows</h2>
              {d.timeWindows.length === 0 ? (
                <p className="state">
                  No time windows for this recommendation.
                </p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Window</th>
                      <th className="num">CPU target</th>
                      <th className="num">Memory target</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.timeWindows.map((w) => (
                      <tr key={w.name}>
                        <td>{w.name}</td>
                        <td className="num">
                          <Cpu millicores={w.cpuTargetMillicores} />
                        </td>
                        <td className="num">
                          <Memory bytes={w.memoryTargetBytes} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <h2 style={{ marginTop: 16 }}>Safety</h2>
              <p data-testid="safety-decision">
                {d.safety.action}: {d.safety.reasons.join("; ")}
              </p>
            </div>
            <div className="panel">
              <h2>Generated patch</h2>
              {d.preview.applicable ? (
                <>
                  <p className="muted">
                    Strategic merge patch, byte for byte what the controller
                    sends; an approval names spec {d.preview.specHash}.
                  </p>
                  <pre data-testid="patch-yaml">{d.preview.patch}</pre>
                </>
              ) : (
                <p data-testid="patch-yaml">Advice only: {d.preview.reason}</p>
              )}
              <button
                type="button"
                onClick={() => dryRun.mutate({ id })}
                disabled={dryRun.isPending}
              >
                Run dry-run
              </button>
              {dryRun.error ? (
                <p className="error">{dryRun.error.message}</p>
              ) : null}
              <pre data-testid="dry-run-diff">
                {dryRun.data
                  ? JSON.stringify(dryRun.data, null, 2)
                  : d.diffText}
              </pre>
            </div>
          </div>
          <EvidencePanel detail={d} />
          <div className="panel">
            <h2>Audit trail</h2>
            <Trail detail={d} />
          </div>
          {deciding ? (
            <DecisionDialog
              decision={deciding}
              recommendationId={id}
              label={`${d.workloadName}/${d.containerName}`}
              onClose={() => setDeciding(undefined)}
              onDone={() => {
                setDeciding(undefined);
                void invalidate();
              }}
            />
          ) : null}
        </>
      )}
    </QueryState>
  );
}
