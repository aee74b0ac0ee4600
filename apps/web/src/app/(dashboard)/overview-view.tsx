"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import Link from "next/link";

import {
  formatMicroUsd,
  formatPrice,
  RECOMMENDATION_PHASES,
} from "@kubewise/core";

import { GroupedBarChart, SimpleBarChart } from "~/components/charts";
import { useClusterSelection } from "~/components/cluster-selector";
import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";

// "To date": the longest window the savings report accepts.
const ALL_TIME_DAYS = 3650;

function Card({
  label,
  value,
  testId,
}: {
  label: string;
  value: string;
  testId: string;
}) {
  return (
    <div className="card">
      <div className="label">{label}</div>
      <div className="value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

function PhaseCounts() {
  const trpc = useTRPC();
  const { input } = useClusterSelection();
  const counts = useQueries({
    queries: RECOMMENDATION_PHASES.map((phase) =>
      trpc.recommendation.list.queryOptions({
        ...input,
        phase: [phase],
        limit: 1,
      }),
    ),
  });
  if (counts.some((q) => q.isPending))
    return (
      <div className="state" role="status">
        Loading…
      </div>
    );
  const failed = counts.find((q) => q.isError);
  if (failed)
    return (
      <div className="state error">Could not load: {failed.error?.message}</div>
    );
  const data = RECOMMENDATION_PHASES.map((phase, i) => ({
    label: phase,
    value: counts[i]?.data?.total ?? 0,
  }));
  return (
    <>
      <SimpleBarChart
        testId="phase-chart"
        data={data}
        formatValue={(v) => String(v)}
        color="#64748b"
      />
      <table>
        <tbody>
          {data.map((d) => (
            <tr key={d.label}>
              <td>{d.label}</td>
              <td className="num" data-testid={`phase-count-${d.label}`}>
                {d.value}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function OpenAnomalies() {
  const trpc = useTRPC();
  const { input, multi, nameOf } = useClusterSelection();
  const anomalies = useQuery(
    trpc.anomaly.list.queryOptions({ ...input, limit: 10 }),
  );
  return (
    <QueryState
      query={anomalies}
      isEmpty={(rows) => rows.length === 0}
      empty="No open anomalies."
    >
      {(rows) => (
        <ul data-testid="open-anomalies">
          {rows.map((a) => (
            <li key={a.id}>
              <span className="badge">{a.kind}</span>{" "}
              {multi ? `${nameOf(a.clusterId)}: ` : ""}
              {a.namespace}/{a.workloadName} · {a.severity}
            </li>
          ))}
        </ul>
      )}
    </QueryState>
  );
}

export function OverviewView() {
  const trpc = useTRPC();
  const { input, multi } = useClusterSelection();
  const costs = useQuery(trpc.cost.overview.queryOptions(input));
  const savings = useQuery(
    trpc.cost.savings.queryOptions({ ...input, sinceDays: ALL_TIME_DAYS }),
  );
  return (
    <QueryState
      query={costs}
      isEmpty={(report) => report.byNamespace.length === 0}
      empty="No workloads yet: start the agents and the aggregator, or run npm run demo."
    >
      {(report) => (
        <>
          <div className="cards">
            <Card
              label="Monthly cost now (last 7 days, per month)"
              value={formatMicroUsd(report.monthlyNowMicroUsd)}
              testId="monthly-now"
            />
            {report.monthlyIdleMicroUsd !== null ? (
              <Card
                label="Idle capacity per month"
                value={formatMicroUsd(report.monthlyIdleMicroUsd)}
                testId="monthly-idle"
              />
            ) : null}
            <Card
              label="Monthly cost after recommendations"
              value={formatMicroUsd(report.monthlyAfterMicroUsd)}
              testId="monthly-after"
            />
            <Card
              label="Projected monthly savings"
              value={formatMicroUsd(report.projectedMonthlySavingsMicroUsd)}
              testId="monthly-savings"
            />
            <Card
              label="Realized savings to date"
              value={
                savings.data
                  ? formatMicroUsd(savings.data.realizedMicroUsd)
                  : savings.isError
                    ? "error"
                    : "…"
              }
              testId="realized-savings"
            />
          </div>
          <div className="grid2">
            <div className="panel">
              <h2>Monthly cost by namespace: now vs after</h2>
              <GroupedBarChart
                testId="namespace-cost-chart"
                names={["now", "after recommendations"]}
                data={report.byNamespace.slice(0, 8).map((ns) => ({
                  label: multi
                    ? `${ns.clusterName}/${ns.namespace}`
                    : ns.namespace,
                  first: ns.monthlyNowMicroUsd,
                  second: ns.monthlyAfterMicroUsd,
                }))}
                formatValue={(v) => formatMicroUsd(v, { fractionDigits: 0 })}
              />
            </div>
            <div className="panel">
              <h2>Recommendations by phase</h2>
              <PhaseCounts />
            </div>
          </div>
          <div className="grid2">
            <div className="panel">
              <h2>Top 10 workloads by reserved-but-unused cost</h2>
              <p className="muted">
                Savings are smaller than unused cost: recommendations keep
                headroom for peaks.
              </p>
              <table data-testid="top-wasteful">
                <thead>
                  <tr>
                    {multi ? <th>Cluster</th> : null}
                    <th>Workload</th>
                    <th className="num">Monthly cost</th>
                    <th className="num">Reserved, unused</th>
                    <th className="num">Savings</th>
                  </tr>
                </thead>
                <tbody>
                  {report.topWasteful.map((w) => (
                    <tr key={w.workloadId}>
                      {multi ? <td>{w.clusterName}</td> : null}
                      <td>
                        <Link
                          href={`/clusters/${w.clusterId}/workloads/${w.workloadId}`}
                        >
                          {w.namespace}/{w.kind}/{w.name}
                        </Link>
                      </td>
                      <td className="num">
                        {formatMicroUsd(w.monthlyCostMicroUsd)}
                      </td>
                      <td className="num">
                        {formatMicroUsd(w.monthlyUnusedMicroUsd)}
                      </td>
                      <td className="num">
                        {formatMicroUsd(w.projectedMonthlySavingsMicroUsd)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="panel">
              <h2>Open anomalies</h2>
              <OpenAnomalies />
            </div>
          </div>
          <p style={{ color: "var(--muted)", fontSize: 13 }}>
            {report.clusters.length > 1
              ? "Totals are sums over the clusters, each priced with its own cost settings. Prices: "
              : "Prices: "}
            {report.clusters.map((c, i) => (
              <span key={c.clusterId}>
                {i > 0 ? "; " : ""}
                {report.clusters.length > 1 ? `${c.clusterName}: ` : ""}
                {formatPrice(c.price)}
              </span>
            ))}
            .
          </p>
        </>
      )}
    </QueryState>
  );
}
