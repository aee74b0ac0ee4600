"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { formatMicroUsd } from "@kubewise/core";

import { GroupedBarChart } from "~/components/charts";
import { useClusterSelection } from "~/components/cluster-selector";
import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";

export default function SavingsPage() {
  const trpc = useTRPC();
  const [sinceDays, setSinceDays] = useState(30);
  const { input, multi } = useClusterSelection();
  const savings = useQuery(
    trpc.cost.savings.queryOptions({ ...input, sinceDays }),
  );
  return (
    <>
      <h1>Savings report</h1>
      <div className="filters">
        <label>
          Since
          <select
            aria-label="Since days"
            value={sinceDays}
            onChange={(e) => setSinceDays(Number(e.target.value))}
          >
            {[7, 30, 90, 365].map((days) => (
              <option key={days} value={days}>
                last {days} days
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryState
        query={savings}
        isEmpty={(r) => r.byNamespace.length === 0}
        empty="No recommendations yet, so nothing to save."
      >
        {(report) => (
          <>
            <div className="cards">
              <div className="card">
                <div className="label">
                  Projected monthly savings (open recommendations)
                </div>
                <div className="value" data-testid="projected-savings">
                  {formatMicroUsd(report.projectedMonthlyMicroUsd)}
                </div>
              </div>
              <div className="card">
                <div className="label">
                  Realized since {report.since.toISOString().slice(0, 10)}
                </div>
                <div className="value" data-testid="realized-savings">
                  {formatMicroUsd(report.realizedMicroUsd)}
                </div>
              </div>
            </div>
            <div className="panel">
              <h2>Projected vs realized by namespace</h2>
              <GroupedBarChart
                testId="savings-chart"
                names={["projected monthly", "realized"]}
                data={report.byNamespace.slice(0, 10).map((ns) => ({
                  label: multi
                    ? `${ns.clusterName}/${ns.namespace}`
                    : ns.namespace,
                  first: ns.projectedMonthlyMicroUsd,
                  second: ns.realizedMicroUsd,
                }))}
                formatValue={(v) => formatMicroUsd(v, { fractionDigits: 0 })}
              />
              <table data-testid="savings-table">
                <thead>
                  <tr>
                    {multi ? <th>Cluster</th> : null}
                    <th>Namespace</th>
                    <th className="num">Projected monthly</th>
                    <th className="num">Realized</th>
                    <th className="num">Open</th>
                    <th className="num">Applied</th>
                  </tr>
                </thead>
                <tbody>
                  {report.byNamespace.map((ns) => (
                    <tr key={`${ns.clusterId}/${ns.namespace}`}>
                      {multi ? <td>{ns.clusterName}</td> : null}
                      <td>{ns.namespace}</td>
                      <td className="num">
                        {formatMicroUsd(ns.projectedMonthlyMicroUsd)}
                      </td>
                      <td className="num">
                        {formatMicroUsd(ns.realizedMicroUsd)}
                      </td>
                      <td className="num">{ns.openCount}</td>
                      <td className="num">{ns.appliedCount}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </QueryState>
    </>
  );
}
