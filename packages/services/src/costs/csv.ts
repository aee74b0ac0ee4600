import type { AllocationLine } from "./allocation";
import type { AllocationReport } from "./get-allocation";

const CSV_COLUMNS: [string, (line: AllocationLine) => string | number][] = [
  ["name", (l) => l.name],
  ["cpu_core_hours", (l) => l.cpuCoreHours.toFixed(4)],
  ["ram_gib_hours", (l) => (l.ramByteHours / 2 ** 30).toFixed(4)],
  ["cpu_cost_usd", (l) => (l.cpuCostMicroUsd / 1e6).toFixed(6)],
  ["ram_cost_usd", (l) => (l.ramCostMicroUsd / 1e6).toFixed(6)],
  ["shared_cost_usd", (l) => (l.sharedCostMicroUsd / 1e6).toFixed(6)],
  ["idle_cost_usd", (l) => (l.idleCostMicroUsd / 1e6).toFixed(6)],
  ["total_cost_usd", (l) => (l.totalCostMicroUsd / 1e6).toFixed(6)],
  ["efficiency", (l) => l.efficiency.toFixed(4)],
];

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formula-leading cells defused. */
function csvField(value: string | number): string {
  const text = String(value);
  const safe =
    /^[=+\-@\t\r]/.test(text) && typeof value === "string" ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(header: string[], rows: (string | number)[][]): string {
  return (
    [header, ...rows].map((row) => row.map(csvField).join(",")).join("\r\n") +
    "\r\n"
  );
}

export function allocationToCsv(report: AllocationReport): string {
  return toCsv(
    [
      "window_start",
      "window_end",
      "aggregate",
      "cluster",
      ...CSV_COLUMNS.map(([name]) => name),
    ],
    report.lines.map((line) => [
      report.window.from.toISOString(),
      report.window.to.toISOString(),
      report.aggregate,
      line.properties.cluster ?? report.clusterName ?? "",
      ...CSV_COLUMNS.map(([, value]) => value(line)),
    ]),
  );
}
