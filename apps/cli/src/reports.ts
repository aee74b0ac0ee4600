import { Option } from "commander";
import type { Command } from "commander";
import { z } from "zod";

import {
  byClusterId,
  clusterNamesFor,
  withClusterColumn,
  type ClusterNames,
} from "./cluster-column";
import type { ProgramIo } from "./commands";
import { money, renderData, renderTable } from "./render";
import type { Column, OutputFormat } from "./render";

// The slices of the report answers the tables read; json/yaml print the whole answer unchanged.
const CostsSchema = z.object({
  monthlyNowMicroUsd: z.number(),
  monthlyAfterMicroUsd: z.number(),
  projectedMonthlySavingsMicroUsd: z.number(),
  byNamespace: z.array(
    z.object({
      clusterId: z.string(),
      namespace: z.string(),
      monthlyNowMicroUsd: z.number(),
      monthlyAfterMicroUsd: z.number(),
      workloadCount: z.number(),
    }),
  ),
});
type NamespaceCostRow = z.infer<typeof CostsSchema>["byNamespace"][number];

const SavingsSchema = z.object({
  sinceDays: z.number(),
  projectedMonthlyMicroUsd: z.number(),
  realizedMicroUsd: z.number(),
  byNamespace: z.array(
    z.object({
      clusterId: z.string(),
      namespace: z.string(),
      projectedMonthlyMicroUsd: z.number(),
      realizedMicroUsd: z.number(),
      openCount: z.number(),
      appliedCount: z.number(),
    }),
  ),
});
type NamespaceSavingsRow = z.infer<typeof SavingsSchema>["byNamespace"][number];

const AnomalySchema = z.object({
  clusterId: z.string(),
  kind: z.string(),
  severity: z.string(),
  namespace: z.string(),
  workloadKind: z.string(),
  workloadName: z.string(),
  containerName: z.string(),
  timeToLimitSeconds: z.number().nullable(),
  detectedAt: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
type AnomalyRow = z.infer<typeof AnomalySchema>;

const AllocationSchema = z.object({
  window: z.object({ from: z.string(), to: z.string() }),
  aggregate: z.string(),
  totalCostMicroUsd: z.number(),
  lines: z.array(
    z.object({
      name: z.string(),
      // Across clusters every line names its cluster in properties.cluster.
      properties: z.record(z.string(), z.unknown()).optional(),
      cpuCoreHours: z.number(),
      ramByteHours: z.number(),
      cpuCostMicroUsd: z.number(),
      ramCostMicroUsd: z.number(),
      sharedCostMicroUsd: z.number(),
      idleCostMicroUsd: z.number(),
      totalCostMicroUsd: z.number(),
      efficiency: z.number(),
    }),
  ),
});
type AllocationRow = z.infer<typeof AllocationSchema>["lines"][number];

function duration(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
}

const COST_COLUMNS: Column<NamespaceCostRow>[] = [
  { header: "NAMESPACE", value: (r) => r.namespace },
  { header: "WORKLOADS", value: (r) => String(r.workloadCount) },
  { header: "NOW/MO", value: (r) => money(r.monthlyNowMicroUsd) },
  { header: "AFTER/MO", value: (r) => money(r.monthlyAfterMicroUsd) },
  {
    header: "SAVINGS/MO",
    value: (r) => money(r.monthlyNowMicroUsd - r.monthlyAfterMicroUsd),
  },
];

const SAVINGS_COLUMNS: Column<NamespaceSavingsRow>[] = [
  { header: "NAMESPACE", value: (r) => r.namespace },
  { header: "PROJECTED/MO", value: (r) => money(r.projectedMonthlyMicroUsd) },
  { header: "REALIZED", value: (r) => money(r.realizedMicroUsd) },
  { header: "OPEN", value: (r) => String(r.openCount) },
  { header: "APPLIED", value: (r) => String(r.appliedCount) },
];

const GIB = 1024 ** 3;
const ALLOCATION_COLUMNS: Column<AllocationRow>[] = [
  { header: "NAME", value: (r) => r.name },
  { header: "CPU CORE-H", value: (r) => r.cpuCoreHours.toFixed(1) },
  { header: "RAM GIB-H", value: (r) => (r.ramByteHours / GIB).toFixed(1) },
  { header: "CPU", value: (r) => money(r.cpuCostMicroUsd) },
  { header: "RAM", value: (r) => money(r.ramCostMicroUsd) },
  { header: "SHARED", value: (r) => money(r.sharedCostMicroUsd) },
  { header: "IDLE", value: (r) => money(r.idleCostMicroUsd) },
  { header: "TOTAL", value: (r) => money(r.totalCostMicroUsd) },
  {
    header: "EFFICIENCY",
    value: (r) => `${(r.efficiency * 100).toFixed(1)}%`,
  },
];

const ANOMALY_COLUMNS: Column<AnomalyRow>[] = [
  { header: "KIND", value: (r) => r.kind },
  { header: "SEVERITY", value: (r) => r.severity },
  {
    header: "WORKLOAD",
    value: (r) =>
      `${r.namespace}/${r.workloadKind.toLowerCase()}/${r.workloadName}`,
  },
  { header: "CONTAINER", value: (r) => r.containerName },
  { header: "TIME-TO-LIMIT", value: (r) => duration(r.timeToLimitSeconds) },
  {
    header: "DETECTED",
    value: (r) => r.detectedAt.slice(0, 16).replace("T", " "),
  },
];

function renderCosts(data: unknown, clusters: ClusterNames): string {
  const report = CostsSchema.parse(data);
  const total = `monthly now ${money(report.monthlyNowMicroUsd)}, after recommendations ${money(report.monthlyAfterMicroUsd)}, savings ${money(report.projectedMonthlySavingsMicroUsd)}`;
  const columns = withClusterColumn(COST_COLUMNS, clusters, byClusterId);
  return `${renderTable(columns, report.byNamespace)}\n\n${total}`;
}

function renderSavings(data: unknown, clusters: ClusterNames): string {
  const report = SavingsSchema.parse(data);
  const total = `projected ${money(report.projectedMonthlyMicroUsd)}/month; realized ${money(report.realizedMicroUsd)} in the last ${report.sinceDays} days`;
  const columns = withClusterColumn(SAVINGS_COLUMNS, clusters, byClusterId);
  return `${renderTable(columns, report.byNamespace)}\n\n${total}`;
}

function renderAllocation(data: unknown, clusters: ClusterNames): string {
  const report = AllocationSchema.parse(data);
  const range = `${report.window.from.slice(0, 16).replace("T", " ")} – ${report.window.to.slice(0, 16).replace("T", " ")} UTC`;
  const columns = withClusterColumn(ALLOCATION_COLUMNS, clusters, (line) => {
    const cluster = line.properties?.cluster;
    return typeof cluster === "string" ? cluster : "-";
  });
  return `${renderTable(columns, report.lines)}\n\n${range} by ${report.aggregate}: ${money(report.totalCostMicroUsd)}`;
}

function renderAnomalies(data: unknown, clusters: ClusterNames): string {
  const rows = z.array(AnomalySchema).parse(data);
  return rows.length === 0
    ? "No open anomalies."
    : renderTable(
        withClusterColumn(ANOMALY_COLUMNS, clusters, byClusterId),
        rows,
      );
}

/** `--cluster <name>`: one cluster by its name; without it, reads cover every cluster (sums). */
export const CLUSTER_FLAG = "--cluster <name>";
export const CLUSTER_HELP =
  "only this cluster (its name); default: every cluster, totals summed";

type Report = {
  name: string;
  description: string;
  path: string;
  /** `clusters` is set when the answer spans several clusters (a CLUSTER column). */
  table: (data: unknown, clusters: ClusterNames) => string;
  options?: (command: Command) => Command;
  query?: (
    options: Record<string, string>,
  ) => Record<string, string | undefined>;
};

const REPORTS: Report[] = [
  {
    name: "costs",
    description: "monthly cost now and after recommendations, by namespace",
    path: "/costs",
    table: renderCosts,
  },
  {
    name: "savings",
    description: "projected vs realized savings, by namespace",
    path: "/savings",
    table: renderSavings,
    options: (command) =>
      command.option("--since <days>", "window, e.g. 30d", "30d"),
    query: (options) => ({ since: options.since ?? "30d" }),
  },
  {
    name: "allocation",
    description:
      "cost allocation over a window (OpenCost-style window, aggregate, idle)",
    path: "/allocation",
    table: renderAllocation,
    options: (command) =>
      command
        .option(
          "--window <window>",
          "24h, 7d, 30d, today, week, month, lastmonth or <RFC3339>,<RFC3339>",
          "7d",
        )
        .option(
          "--aggregate <by>",
          "cluster, namespace, controllerKind, controller, container or label:<key>",
          "namespace",
        )
        .option("--no-idle", "leave idle capacity out")
        .option("--share-idle", "spread idle capacity over the tenants")
        .option(
          "--share-namespaces <list>",
          "namespaces whose cost is split over the others, e.g. kube-system,monitoring",
        ),
    query: (options) => ({
      window: options.window,
      aggregate: options.aggregate,
      idle: String(options.idle),
      shareIdle: options.shareIdle === undefined ? undefined : "true",
      shareNamespaces: options.shareNamespaces,
    }),
  },
  {
    name: "anomalies",
    description: "open leaks, CPU spikes and OOM risks",
    path: "/anomalies",
    table: renderAnomalies,
    options: (command) =>
      command.option("-n, --namespace <namespace>", "only this namespace"),
    query: (options) => ({ namespace: options.namespace }),
  },
];

export function addReportCommands(program: Command, io: ProgramIo): void {
  for (const report of REPORTS) {
    const command = program
      .command(report.name)
      .description(report.description)
      .addOption(
        new Option("-o, --output <format>", "output format")
          .choices(["table", "json", "yaml"])
          .default("table"),
      )
      .option(CLUSTER_FLAG, CLUSTER_HELP);
    (report.options?.(command) ?? command).action(
      async (options: Record<string, string> & { output: OutputFormat }) => {
        const clusters =
          options.output === "table"
            ? await clusterNamesFor(io.client, options.cluster)
            : undefined;
        const data = await io.client.request({
          method: "GET",
          path: report.path,
          query: { cluster: options.cluster, ...report.query?.(options) },
        });
        io.write(
          options.output === "table"
            ? report.table(data, clusters)
            : renderData(options.output, data),
        );
      },
    );
  }
}
