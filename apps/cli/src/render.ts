import { stringify } from "yaml";

import {
  formatCpuMillicores,
  formatMemoryBytes,
  formatMicroUsd,
  formatPercent,
} from "@kubewise/core";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type Column<Row> = { header: string; value: (row: Row) => string };

/** Plain-text table, columns padded to their widest cell, like kubectl's default output. */
export function renderTable<Row>(columns: Column<Row>[], rows: Row[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) =>
    Math.max(
      column.header.length,
      ...cells.map((line) => (line[index] ?? "").length),
    ),
  );
  const pad = (line: string[]): string =>
    line
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join("   ")
      .trimEnd();
  return [pad(columns.map((column) => column.header)), ...cells.map(pad)].join(
    "\n",
  );
}

export function renderData(
  format: Exclude<OutputFormat, "table">,
  data: unknown,
): string {
  return format === "json"
    ? JSON.stringify(data, null, 2)
    : stringify(data).trimEnd();
}

export const cpu = (millicores: number | null | undefined): string =>
  millicores === null || millicores === undefined
    ? "-"
    : formatCpuMillicores(millicores);
export const memory = (bytes: number | null | undefined): string =>
  bytes === null || bytes === undefined
    ? "-"
    : formatMemoryBytes(bytes, "binary");
export const money = (microUsd: number | null | undefined): string =>
  microUsd === null || microUsd === undefined ? "-" : formatMicroUsd(microUsd);
export const percent = (fraction: number | null | undefined): string =>
  fraction === null || fraction === undefined ? "-" : formatPercent(fraction);
