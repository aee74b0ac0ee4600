"use client";

import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";

import { useTRPC } from "~/trpc/react";

/**
 * The cluster the dashboard shows, from `?cluster=<name>` (so links share it): `input` is what the
 * queries take ({} = all clusters, whose totals are sums over the clusters), `multi` is true when
 * the install has more than one cluster (lists then show a Cluster column).
 */
export function useClusterSelection() {
  const params = useSearchParams();
  const trpc = useTRPC();
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const name = params.get("cluster") ?? undefined;
  const list = clusters.data ?? [];
  const names = new Map(list.map((c) => [c.id, c.name]));
  return {
    cluster: name,
    input: name === undefined ? {} : { cluster: name },
    clusters: list,
    multi: list.length > 1,
    nameOf: (clusterId: string) => names.get(clusterId) ?? clusterId,
  };
}

/** `href` with the current `?cluster=` kept. */
export function useWithCluster(): (href: string) => string {
  const name = useSearchParams().get("cluster");
  return (href) =>
    name === null
      ? href
      : `${href}${href.includes("?") ? "&" : "?"}cluster=${encodeURIComponent(name)}`;
}

/** "All clusters" plus each cluster by name; hidden when the install has one cluster. */
export function ClusterSelector() {
  const { cluster, clusters, multi } = useClusterSelection();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  if (!multi) return null;
  return (
    <label className="cluster-selector">
      Cluster
      <select
        aria-label="Cluster"
        data-testid="cluster-selector"
        value={cluster ?? ""}
        onChange={(event) => {
          const next = new URLSearchParams(params.toString());
          if (event.target.value === "") next.delete("cluster");
          else next.set("cluster", event.target.value);
          const query = next.toString();
          router.replace(query === "" ? pathname : `${pathname}?${query}`);
        }}
      >
        <option value="">All clusters</option>
        {clusters.map((c) => (
          <option key={c.id} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
