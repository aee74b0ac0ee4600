"use client";

import Link from "next/link";

import { formatBytes, formatCpuCores, formatMicroUsd } from "@kubewise/core";

import { UsageChart } from "~/components/charts";
import {
  CostOverTimeChart,
  UsageVsRequestChart,
} from "~/components/cost-charts";
import type { RouterOutputs } from "~/trpc/types";

type Drilldown = RouterOutputs["cost"]["drilldown"];

export function Findings({ d }: { d: Drilldown }) {
  return (
    <div className="grid2">
      <div className="panel">
        <h2>Open recommendations</h2>
        {d.recommendations.length === 0 ? (
          <p className="state">None open.</p>
        ) : (
          <ul data-testid="drilldown-recommendations">
            {d.recommendations.map((r) => (
              <li key={r.id}>
                <Link href={`/recommendations/${r.id}`}>
                  {r.workloadName} · {r.containerName}
                </Link>{" "}
                {r.phase} · saves{" "}
                {formatMicroUsd(r.projectedMonthlySavingsMicroUsd)}/month
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="panel">
        <h2>Open anomalies</h2>
        {d.anomalies.length === 0 ? (
          <p className="state">None open.</p>
        ) : (
          <ul data-testid="drilldown-anomalies">
            {d.anomalies.map((a) => (
              <li key={a.id}>
                <span className="badge">{a.kind}</span> {a.workloadName} ·{" "}
                {a.containerName} · {a.severity}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

export function Charts({ d }: { d: Drilldown }) {
  const hourly = d.window.resolution === "1h";
  const bars = d.series.map((p) => ({
    tsMs: p.ts.getTime(),
    cpu: p.cpuCostMicroUsd,
    memory: p.memoryCostMicroUsd,
    idle: p.idleCostMicroUsd,
  }));
  return (
    <>
      <div className="panel">
        <h2>
          Cost over time ({hourly ? "hourly" : "daily"}): CPU, memory
          {d.idleCostMicroUsd !== null ? ", idle" : ""}
        </h2>
        <CostOverTimeChart
          data={bars}
          hourly={hourly}
          showIdle={d.idleCostMicroUsd !== null}
          testId="cost-over-time"
        />
      </div>
      {d.scope.container ? (
        <div className="grid2">
          <div className="panel">
            <h2>CPU usage vs request and limit</h2>
            <UsageChart
              testId="container-cpu-chart"
              points={d.usage.map((u) => ({
                tsMs: u.bucket.getTime(),
                p50: u.cpuP50Cores * 1000,
                p95: u.cpuP95Cores * 1000,
                max: u.cpuMaxCores * 1000,
              }))}
              current={d.scope.container.cpuRequestMillicores}
              recommended={d.scope.container.cpuLimitMillicores}
              labels={{ current: "request", recommended: "limit" }}
              formatValue={formatCpuCores}
            />
          </div>
          <div className="panel">
            <h2>Memory usage vs request and limit</h2>
            <UsageChart
              testId="container-memory-chart"
              points={d.usage.map((u) => ({
                tsMs: u.bucket.getTime(),
                p50: u.memoryP50Bytes,
                p95: u.memoryP95Bytes,
                max: u.memoryMaxBytes,
              }))}
              current={d.scope.container.memoryRequestBytes}
              recommended={d.scope.container.memoryLimitBytes}
              labels={{ current: "request", recommended: "limit" }}
              formatValue={(v) => formatBytes(v)}
            />
          </div>
        </div>
      ) : (
        <div className="grid2">
          <div className="panel">
            <h2>CPU: average usage vs request</h2>
            <UsageVsRequestChart
              testId="cpu-usage-vs-request"
              hourly={hourly}
              data={d.series.map((p) => ({
                tsMs: p.ts.getTime(),
                usage: p.cpuUsageAvgCores * 1000,
                request: p.cpuRequestAvgCores * 1000,
              }))}
              format={(v) => formatCpuCores(Math.round(v))}
            />
          </div>
          <div className="panel">
            <h2>Memory: average usage vs request</h2>
            <UsageVsRequestChart
              testId="memory-usage-vs-request"
              hourly={hourly}
              data={d.series.map((p) => ({
                tsMs: p.ts.getTime(),
                usage: p.memoryUsageAvgBytes,
                request: p.memoryRequestAvgBytes,
              }))}
              format={(v) => formatBytes(v)}
            />
          </div>
        </div>
      )}
    </>
  );
}
