"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { formatMicroUsd, formatPercent } from "@kubewise/core";

import {
  useClusterSelection,
  useWithCluster,
} from "~/components/cluster-selector";
import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";
import { CostSettingsPanel } from "./settings-panel";

const WINDOWS = ["24h", "7d", "30d", "month", "lastmonth"] as const;
const BASE_AGGREGATES = [
  "namespace",
  "controller",
  "controllerKind",
  "container",
  "cluster",
];

function exportHref(
  params: Record<string, string | boolean | undefined>,
): string {
  const query = new URLSearchParams(
    Object.entries(params).flatMap(([k, v]) =>
      v === undefined ? [] : [[k, String(v)]],
    ),
  );
  return `/api/v1/allocation?${query.toString()}&format=csv`;
}

export function CostsView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const [window, setWindow] = useState<string>("7d");
  const [aggregate, setAggregate] = useState("namespace");
  const [idle, setIdle] = useState(true);
  const { input, cluster, multi } = useClusterSelection();
  const withCluster = useWithCluster();
  // Settings (label keys) belong to one cluster: none while "All clusters" is shown.
  const settings = useQuery(
    trpc.cost.settings.queryOptions(input, { enabled: !multi || !!cluster }),
  );
  const allocation = useQuery(
    trpc.cost.allocation.queryOptions({ ...input, window, aggregate, idle }),
  );
  const labelKeys = settings.data?.settings.labelKeys ?? [];
  return (
    <>
      <h1>Cost allocation</h1>
      <p className="muted">
        OpenCost-style: each container is charged max(request, usage); idle is
        node capacity nobody requested.{" "}
        <Link href={withCluster("/clusters/default")}>
          Drill down by cluster, namespace and workload
        </Link>
        .
      </p>
      <div className="filters">
        <label>
          Window
          <select
            aria-label="Window"
            value={window}
            onChange={(e) => setWindow(e.target.value)}
          >
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Aggregate by
          <select
            aria-label="Aggregate by"
            value={aggregate}
            onChange={(e) => setAggregate(e.target.value)}
          >
            {[...BASE_AGGREGATES, ...labelKeys.map((k) => `label:${k}`)].map(
              (a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ),
            )}
          </select>
        </label>
        <label style={{ flexDirection: "row", alignItems: "center" }}>
          <input
            type="checkbox"
            checked={idle}
            onChange={(e) => setIdle(e.target.checked)}
          />{" "}
          show idle
        </label>
        <a
          className="button"
          data-testid="export-allocation"
          href={exportHref({ ...input, window, aggregate, idle })}
        >
          Export CSV
        </a>
      </div>
      <QueryState
        query={allocation}
        isEmpty={(r) => r.lines.length === 0}
        empty="No allocation data in this window yet."
      >
        {(report) => (
          <div className="panel">
            <p data-testid="allocation-total">
              Total {formatMicroUsd(report.totalCostMicroUsd)} from{" "}
              {report.window.from.toISOString().slice(0, 16).replace("T", " ")}{" "}
              to {report.window.to.toISOString().slice(0, 16).replace("T", " ")}{" "}
              UTC
            </p>
            <div className="table-scroll">
              <table data-testid="allocation-table">
                <thead>
                  <tr>
                    {multi && aggregate !== "cluster" ? <th>Cluster</th> : null}
                    <th>{aggregate}</th>
                    <th className="num">CPU</th>
                    <th className="num">Memory</th>
                    <th className="num">Shared</th>
                    <th className="num">Idle</th>
                    <th className="num">Total</th>
                    <th className="num">Efficiency</th>
                  </tr>
                </thead>
                <tbody>
                  {report.lines.map((line) => (
                    <tr key={`${line.properties.cluster ?? ""}/${line.name}`}>
                      {multi && aggregate !== "cluster" ? (
                        <td>{line.properties.cluster ?? report.clusterName}</td>
                      ) : null}
                      <td>{line.name}</td>
                      <td className="num">
                        {formatMicroUsd(line.cpuCostMicroUsd)}
                      </td>
                      <td className="num">
                        {formatMicroUsd(line.ramCostMicroUsd)}
                      </td>
                      <td className="num">
                        {formatMicroUsd(line.sharedCostMicroUsd)}
                      </td>
                      <td className="num">
                        {formatMicroUsd(line.idleCostMicroUsd)}
                      </td>
                      <td className="num">
                        {formatMicroUsd(line.totalCostMicroUsd)}
                      </td>
                      <td className="num">
                        {line.name === "__idle__"
                          ? "—"
                          : formatPercent(line.efficiency)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </QueryState>
      <CostSettingsPanel canEdit={canEdit} />
    </>
  );
}
