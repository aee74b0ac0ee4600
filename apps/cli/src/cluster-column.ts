import { z } from "zod";

import type { ApiClient } from "./client";
import type { Column } from "./render";

const ClustersSchema = z.array(z.object({ id: z.string(), name: z.string() }));

/** Cluster id -> name when an answer spans several clusters; undefined when it covers one. */
export type ClusterNames = ReadonlyMap<string, string> | undefined;

/**
 * The dashboard's rule for the Cluster column, for tables: an answer spans several clusters when
 * no `--cluster` narrowed it and the caller sees more than one cluster (GET /api/v1/clusters, asked
 * only then). The names come from the same answer: list rows carry only their cluster's id.
 */
export async function clusterNamesFor(
  client: ApiClient,
  cluster: string | undefined,
): Promise<ClusterNames> {
  if (cluster !== undefined) return undefined;
  const clusters = ClustersSchema.parse(
    await client.request({ method: "GET", path: "/clusters" }),
  );
  return clusters.length > 1
    ? new Map(clusters.map((c) => [c.id, c.name]))
    : undefined;
}

/** `columns` with CLUSTER first when the answer spans several clusters. */
export function withClusterColumn<Row>(
  columns: Column<Row>[],
  clusters: ClusterNames,
  clusterOf: (row: Row, names: ReadonlyMap<string, string>) => string,
): Column<Row>[] {
  if (clusters === undefined) return columns;
  return [
    { header: "CLUSTER", value: (row) => clusterOf(row, clusters) },
    ...columns,
  ];
}

/** A row's cluster name from its `clusterId` (the id itself for a cluster the list did not name). */
export const byClusterId = (
  row: { clusterId: string },
  names: ReadonlyMap<string, string>,
): string => names.get(row.clusterId) ?? row.clusterId;
