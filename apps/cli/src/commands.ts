import { Command, InvalidArgumentError, Option } from "commander";

import { addBudgetCommands } from "./budgets";
import type { ApiClient } from "./client";
import {
  byClusterId,
  clusterNamesFor,
  withClusterColumn,
} from "./cluster-column";
import {
  cpu,
  memory,
  money,
  OUTPUT_FORMATS,
  percent,
  renderData,
  renderTable,
} from "./render";
import type { Column, OutputFormat } from "./render";
import { addReportCommands, CLUSTER_FLAG, CLUSTER_HELP } from "./reports";
import { RecommendationPageSchema, type RecommendationRow } from "./schemas";

export type ProgramIo = {
  client: ApiClient;
  write: (text: string) => void;
  /** Adds commands that need more than the API client (kw login). */
  extend?: (program: Command) => void;
};

// The API's `sort` values (GET /api/v1/recommendations).
const SORT_ORDERS = [
  "savings_desc",
  "savings_asc",
  "confidence_desc",
  "created_desc",
] as const;

const RECOMMENDATION_COLUMNS: Column<RecommendationRow>[] = [
  { header: "ID", value: (r) => r.id.slice(0, 8) },
  { header: "NAMESPACE", value: (r) => r.namespace },
  {
    header: "WORKLOAD",
    value: (r) => `${r.workloadKind.toLowerCase()}/${r.workloadName}`,
  },
  { header: "CONTAINER", value: (r) => r.containerName },
  {
    header: "CPU-REQ",
    value: (r) =>
      `${cpu(r.current.cpuRequestMillicores)} -> ${cpu(r.recommended.cpuRequestMillicores)}`,
  },
  {
    header: "MEM-REQ",
    value: (r) =>
      `${memory(r.current.memoryRequestBytes)} -> ${memory(r.recommended.memoryRequestBytes)}`,
  },
  { header: "CONFIDENCE", value: (r) => percent(r.confidence) },
  {
    header: "SAVINGS/MO",
    value: (r) => money(r.projectedMonthlySavingsMicroUsd),
  },
  { header: "PHASE", value: (r) => r.phase },
];

function parseConfidence(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1)
    throw new InvalidArgumentError("expected a number from 0 to 1");
  return parsed;
}

function outputOption(defaultFormat: OutputFormat): Option {
  return new Option("-o, --output <format>", "output format")
    .choices(OUTPUT_FORMATS)
    .default(defaultFormat);
}

function addRecommendationCommands(program: Command, io: ProgramIo): void {
  const recommendations = program
    .command("recommendations")
    .alias("rec")
    .description("list, inspect and decide recommendations");
  recommendations
    .command("list")
    .description("recommendations, largest savings first")
    .option("-n, --namespace <namespace>", "only this namespace")
    .option(CLUSTER_FLAG, CLUSTER_HELP)
    .option("--phase <phases>", "comma-separated phases, e.g. Pending,Approved")
    .option(
      "--min-confidence <0..1>",
      "only at least this confidence",
      parseConfidence,
    )
    .option("--limit <n>", "at most this many rows", "50")
    .addOption(
      new Option("--sort <order>", "row order")
        .choices(SORT_ORDERS)
        .default("savings_desc"),
    )
    .addOption(outputOption("table"))
    .action(
      async (options: {
        namespace?: string;
        cluster?: string;
        phase?: string;
        minConfidence?: number;
        limit: string;
        sort: (typeof SORT_ORDERS)[number];
        output: OutputFormat;
      }) => {
        const clusters =
          options.output === "table"
            ? await clusterNamesFor(io.client, options.cluster)
            : undefined;
        const data = await io.client.request({
          method: "GET",
          path: "/recommendations",
          query: {
            cluster: options.cluster,
            namespace: options.namespace,
            phase: options.phase,
            minConfidence: options.minConfidence,
            limit: options.limit,
            sort: options.sort,
          },
        });
        if (options.output !== "table")
          return io.write(renderData(options.output, data));
        const page = RecommendationPageSchema.parse(data);
        io.write(
          page.items.length === 0
            ? "No recommendations."
            : renderTable(
                withClusterColumn(
                  RECOMMENDATION_COLUMNS,
                  clusters,
                  byClusterId,
                ),
                page.items,
              ),
        );
      },
    );
  recommendations
    .command("get <id>")
    .description("one recommendation with its patch and audit trail")
    .addOption(outputOption("yaml"))
    .action(
      async (
        id: string,
        options: { output: Exclude<OutputFormat, "table"> | "table" },
      ) => {
        const data = await io.client.request({
          method: "GET",
          path: `/recommendations/${encodeURIComponent(id)}`,
        });
        io.write(
          renderData(
            options.output === "table" ? "yaml" : options.output,
            data,
          ),
        );
      },
    );
  recommendations
    .command("dry-run <id>")
    .description("show the patch and diff without applying anything")
    .addOption(outputOption("yaml"))
    .action(async (id: string, options: { output: OutputFormat }) => {
      const data = await io.client.request({
        method: "POST",
        path: `/recommendation/${encodeURIComponent(id)}/dry-run`,
        body: {},
      });
      io.write(
        renderData(options.output === "table" ? "yaml" : options.output, data),
      );
    });
  recommendations
    .command("approve <id>")
    .description("approve a pending recommendation")
    .option("-m, --comment <text>", "comment for the audit log")
    .action(async (id: string, options: { comment?: string }) => {
      await io.client.request({
        method: "POST",
        path: `/recommendation/${encodeURIComponent(id)}/approve`,
        body: { comment: options.comment },
      });
      io.write(`approved ${id}`);
    });
  recommendations
    .command("reject <id>")
    .description("reject a pending recommendation")
    .requiredOption("-r, --reason <text>", "why (recorded in the audit log)")
    .action(async (id: string, options: { reason: string }) => {
      await io.client.request({
        method: "POST",
        path: `/recommendation/${encodeURIComponent(id)}/reject`,
        body: { reason: options.reason },
      });
      io.write(`rejected ${id}`);
    });
}

/** Builds the `kw` command tree; actions talk only to the REST API through `io.client`. */
export function createProgram(io: ProgramIo): Command {
  const program = new Command("kw")
    .description(
      "Kubewise CLI: right-sizing recommendations, costs and anomalies from the REST API.\nConnection: --context, else KUBEWISE_URL + KUBEWISE_TOKEN, else the current context saved by kw login, else http://127.0.0.1:3000.",
    )
    .option("--context <name>", "saved context to use (see kw login)")
    .showHelpAfterError()
    .exitOverride();
  addRecommendationCommands(program, io);
  addReportCommands(program, io);
  addBudgetCommands(program, io);
  io.extend?.(program);
  return program;
}
