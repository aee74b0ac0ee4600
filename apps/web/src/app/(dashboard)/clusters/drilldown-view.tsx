"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";

import {
  formatBytes,
  formatCpuCores,
  formatMicroUsd,
  formatPercent,
} from "@kubewise/core";

import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { Charts, Findings } from "./drilldown-parts";

type Drilldown = RouterOutputs["cost"]["drilldown"];
export type DrilldownTarget = {
  cluster: string;
  namespace?: string;
  workloadId?: string;
  containerId?: string;
};

const PRESETS = ["24h", "7d", "30d"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function useWindow(): [string, (window: string) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const from = params.get("from");
  const to = params.get("to");
  const window =
    from && to
      ? `${from}T00:00:00Z,${to}T23:59:59Z`
      : (params.get("window") ?? "7d");
  return [window, (next) => router.replace(`${pathname}?${next}`)];
}

function RangePicker() {
  const params = useSearchParams();
  const [, setWindow] = useWindow();
  const active = params.get("from") ? "custom" : (params.get("window") ?? "7d");
  const [from, setFrom] = useState(params.get("from") ?? "");
  const [to, setTo] = useState(params.get("to") ?? "");
  return (
    <div className="filters" role="group" aria-label="Time range">
      {PRESETS.map((preset) => (
        <button
          key={preset}
          type="button"
          className={active === preset ? "primary" : undefined}
          aria-pressed={active === preset}
          onClick={() => setWindow(`window=${preset}`)}
        >
          {preset}
        </button>
      ))}
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          if (from && to) setWindow(`from=${from}&to=${to}`);
        }}
      >
        <label>
          From
          <input
            type="date"
            aria-label="From"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
        </label>
        <label>
          To
          <input
            type="date"
            aria-label="To"
            value={to}
            onChange={(e) => setTo(e.target.value)}
          />
        </label>
        <button type="submit" aria-pressed={active === "custom"}>
          Custom range
        </button>
      </form>
    </div>
  );
}

function base(clusterId: string): string {
  return `/clusters/${clusterId}`;
}

function Breadcrumbs({ d }: { d: Drilldown }) {
  const { scope } = d;
  const crumbs: { href?: string; label: string }[] = [
    { href: base(scope.clusterId), label: "Cluster" },
  ];
  if (scope.namespace)
    crumbs.push({
      href: `${base(scope.clusterId)}/namespaces/${scope.namespace}`,
      label: scope.namespace,
    });
  if (scope.workload)
    crumbs.push({
      href: `${base(scope.clusterId)}/workloads/${scope.workload.id}`,
      label: `${scope.workload.kind}/${scope.workload.name}`,
    });
  if (scope.container) crumbs.push({ label: scope.container.name });
  const last = crumbs.length - 1;
  return (
    <nav
      aria-label="Breadcrumbs"
      className="breadcrumbs"
      data-testid="breadcrumbs"
    >
      {crumbs.map((c, i) =>
        i === last || !c.href ? (
          <span key={c.label} aria-current="page">
            {c.label}
          </span>
        ) : (
          <Link key={c.label} href={c.href}>
            {c.label}
          </Link>
        ),
      )}
    </nav>
  );
}

function childHref(d: Drilldown, id: string): string {
  const root = base(d.scope.clusterId);
  if (d.scope.level === "cluster")
    return `${root}/namespaces/${encodeURIComponent(id)}`;
  if (d.scope.level === "namespace") return `${root}/workloads/${id}`;
  return `${root}/containers/${id}`;
}

function Summary({ d }: { d: Drilldown }) {
  const t = d.total;
  return (
    <div className="cards">
      <div className="card">
        <div className="label">Cost in range</div>
        <div className="value" data-testid="range-cost">
          {formatMicroUsd(t?.totalCostMicroUsd ?? 0)}
        </div>
      </div>
      <div className="card">
        <div className="label">Efficiency (used / allocated cost)</div>
        <div className="value" data-testid="efficiency">
          {formatPercent(t?.efficiency ?? 0)}
        </div>
      </div>
      <div className="card">
        <div className="label">CPU used / requested (avg)</div>
        <div className="value" style={{ fontSize: 18 }}>
          {formatCpuCores(Math.round((t?.cpuUsageAvgCores ?? 0) * 1000))} /{" "}
          {formatCpuCores(Math.round((t?.cpuRequestAvgCores ?? 0) * 1000))}
        </div>
      </div>
      <div className="card">
        <div className="label">Memory used / requested (avg)</div>
        <div className="value" style={{ fontSize: 18 }}>
          {formatBytes(t?.memoryUsageAvgBytes ?? 0)} /{" "}
          {formatBytes(t?.memoryRequestAvgBytes ?? 0)}
        </div>
      </div>
      {d.idleCostMicroUsd !== null ? (
        <div className="card">
          <div className="label">Idle capacity in range</div>
          <div className="value" data-testid="idle-cost">
            {formatMicroUsd(d.idleCostMicroUsd)}
          </div>
        </div>
      ) : null}
    </div>
  );
}

function Children({ d }: { d: Drilldown }) {
  if (d.scope.level === "container") return null;
  const title = {
    cluster: "Namespaces",
    namespace: "Workloads",
    workload: "Containers",
  }[d.scope.level];
  return (
    <div className="panel">
      <h2>{title}</h2>
      <table data-testid="drilldown-children">
        <thead>
          <tr>
            <th>Name</th>
            <th className="num">CPU</th>
            <th className="num">Memory</th>
            <th className="num">Total</th>
            <th className="num">Efficiency</th>
            <th className="num">Open recommendations</th>
          </tr>
        </thead>
        <tbody>
          {d.children.map((c) => (
            <tr key={c.id}>
              <td>
                <Link href={childHref(d, c.id)}>
                  {d.scope.level === "cluster"
                    ? c.name
                    : c.name.split("/").slice(-1)[0]}
                </Link>
              </td>
              <td className="num">{formatMicroUsd(c.cpuCostMicroUsd)}</td>
              <td className="num">{formatMicroUsd(c.ramCostMicroUsd)}</td>
              <td className="num">{formatMicroUsd(c.totalCostMicroUsd)}</td>
              <td className="num">{formatPercent(c.efficiency)}</td>
              <td className="num">{c.openRecommendations}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One page per level: cluster -> namespace -> workload -> container, same layout at each. */
export function DrilldownView({ target }: { target: DrilldownTarget }) {
  const trpc = useTRPC();
  const [window] = useWindow();
  const selected = useSearchParams().get("cluster") ?? undefined;
  const drilldown = useQuery(
    trpc.cost.drilldown.queryOptions({
      // /clusters/<id>, /clusters/<name>, or /clusters/default: the selected (or the only) cluster.
      ...(target.cluster === "default"
        ? { cluster: selected }
        : UUID.test(target.cluster)
          ? { clusterId: target.cluster }
          : { cluster: target.cluster }),
      namespace: target.namespace,
      workloadId: target.workloadId,
      containerId: target.containerId,
      window,
    }),
  );
  return (
    <QueryState
      query={drilldown}
      empty=""
      notFound={
        <>
          <p>Nothing here, or it is outside your namespaces.</p>
          <Link href="/clusters/default">Back to the cluster</Link>
        </>
      }
    >
      {(d) => (
        <>
          <Breadcrumbs d={d} />
          <RangePicker />
          <p className="muted" data-testid="window">
            {d.window.from.toISOString().slice(0, 16).replace("T", " ")} –{" "}
            {d.window.to.toISOString().slice(0, 16).replace("T", " ")} UTC
          </p>
          <Summary d={d} />
          <Charts d={d} />
          <Children d={d} />
          <Findings d={d} />
        </>
      )}
    </QueryState>
  );
}
