import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";
import { z } from "zod";

import {
  byClusterId,
  clusterNamesFor,
  withClusterColumn,
} from "./cluster-column";
import type { ProgramIo } from "./commands";
import {
  money,
  OUTPUT_FORMATS,
  percent,
  renderData,
  renderTable,
} from "./render";
import type { Column, OutputFormat } from "./render";
import { CLUSTER_FLAG, CLUSTER_HELP } from "./reports";

// The slice of GET /api/v1/budgets the table reads; json/yaml print the whole answer unchanged.
const BudgetSchema = z.object({
  id: z.string(),
  clusterId: z.string(),
  name: z.string(),
  scopeKind: z.string(),
  scopeKey: z.string().nullable(),
  scopeValue: z.string(),
  monthlyLimitMicroUsd: z.number(),
  monthToDateMicroUsd: z.number(),
  forecastMicroUsd: z.number(),
  forecastRatio: z.number(),
});
type BudgetRow = z.infer<typeof BudgetSchema>;

const BUDGET_COLUMNS: Column<BudgetRow>[] = [
  { header: "ID", value: (r) => r.id.slice(0, 8) },
  { header: "NAME", value: (r) => r.name },
  {
    header: "SCOPE",
    value: (r) =>
      r.scopeKind === "label"
        ? `label ${r.scopeKey ?? ""}=${r.scopeValue}`
        : `namespace ${r.scopeValue}`,
  },
  { header: "LIMIT/MO", value: (r) => money(r.monthlyLimitMicroUsd) },
  { header: "MONTH-TO-DATE", value: (r) => money(r.monthToDateMicroUsd) },
  { header: "FORECAST", value: (r) => money(r.forecastMicroUsd) },
  { header: "OF-LIMIT", value: (r) => percent(r.forecastRatio) },
];

/** "250" or "250.50" US dollars -> integer micro-USD. */
function parseUsd(value: string): number {
  if (!/^\d+(\.\d{1,2})?$/.test(value))
    throw new InvalidArgumentError("expected US dollars, e.g. 250 or 99.50");
  return Math.round(Number(value) * 1_000_000);
}

function parseLabel(value: string): { key: string; value: string } {
  const [key = "", ...rest] = value.split("=");
  if (key === "" || rest.length === 0 || rest.join("=") === "")
    throw new InvalidArgumentError("expected key=value, e.g. team=payments");
  return { key, value: rest.join("=") };
}

export function addBudgetCommands(program: Command, io: ProgramIo): void {
  const budgets = program
    .command("budgets")
    .description("monthly budgets per namespace or label, with forecast");
  budgets
    .command("list")
    .description("budgets with month to date and month-end forecast")
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(OUTPUT_FORMATS)
        .default("table"),
    )
    .option(CLUSTER_FLAG, CLUSTER_HELP)
    .action(async (options: { output: OutputFormat; cluster?: string }) => {
      const clusters =
        options.output === "table"
          ? await clusterNamesFor(io.client, options.cluster)
          : undefined;
      const data = await io.client.request({
        method: "GET",
        path: "/budgets",
        query: { cluster: options.cluster },
      });
      if (options.output !== "table")
        return io.write(renderData(options.output, data));
      const rows = z.array(BudgetSchema).parse(data);
      io.write(
        rows.length === 0
          ? "No budgets."
          : renderTable(
              withClusterColumn(BUDGET_COLUMNS, clusters, byClusterId),
              rows,
            ),
      );
    });
  budgets
    .command("create <name>")
    .description("create a monthly budget (admin)")
    .option("-n, --namespace <namespace>", "the namespace it covers")
    .option(
      "-l, --label <key=value>",
      "the label value it covers, e.g. team=payments",
      parseLabel,
    )
    .requiredOption("--limit <usd>", "monthly limit in US dollars", parseUsd)
    .action(
      async (
        name: string,
        options: {
          namespace?: string;
          label?: { key: string; value: string };
          limit: number;
        },
        command: Command,
      ) => {
        if ((options.namespace === undefined) === (options.label === undefined))
          command.error(
            "error: give exactly one of --namespace <namespace> or --label <key=value>",
          );
        const data = await io.client.request({
          method: "POST",
          path: "/budgets",
          body: {
            name,
            monthlyLimitMicroUsd: options.limit,
            ...(options.label
              ? {
                  scopeKind: "label",
                  scopeKey: options.label.key,
                  scopeValue: options.label.value,
                }
              : { scopeKind: "namespace", scopeValue: options.namespace }),
          },
        });
        const budget = BudgetSchema.parse(data);
        io.write(
          `created budget ${budget.id} (${budget.name}): forecast ${money(budget.forecastMicroUsd)} of ${money(budget.monthlyLimitMicroUsd)}`,
        );
      },
    );
  budgets
    .command("delete <id>")
    .description("delete a budget (admin)")
    .action(async (id: string) => {
      await io.client.request({
        method: "POST",
        path: `/budget/${encodeURIComponent(id)}/delete`,
        body: {},
      });
      io.write(`deleted budget ${id}`);
    });
}
