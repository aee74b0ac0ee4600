import type { PolicyMetrics, PolicySummary } from "./aggregate";

export type CurvePoint = PolicyMetrics & {
  /** Kubewise's risk knob at this point (the one bench:frontier sweeps). */
  risk_weight: number;
  cpu_penalty: number;
  calibration_error: number | null;
  wall_time_s: number;
};

export type BenchmarkJson = {
  policies: Record<string, PolicyMetrics | null>;
  kubewise_curve: CurvePoint[];
  calibration_error: number | null;
  series: number;
};

export type PolicyRow = {
  name: string;
  summary: PolicySummary | null;
  wallTimeS: number;
  missingReason?: string;
};

const round = (v: number | null, digits = 4): number | null =>
  v === null ? null : Number(v.toFixed(digits));

export function roundMetrics(m: PolicyMetrics): PolicyMetrics {
  return {
    mem_slack: round(m.mem_slack),
    oom_free_days: round(m.oom_free_days),
    cpu_slack: round(m.cpu_slack),
    cpu_under: round(m.cpu_under),
    cost_ratio: round(m.cost_ratio),
    changes_per_day: round(m.changes_per_day),
  };
}

export function toBenchmarkJson(input: {
  rows: PolicyRow[];
  curve: CurvePoint[];
  series: number;
}): BenchmarkJson {
  const policies: Record<string, PolicyMetrics | null> = {};
  for (const row of input.rows)
    policies[row.name] = row.summary ? roundMetrics(row.summary.metrics) : null;
  const kubewise = input.rows.find((r) => r.name === "kubewise");
  return {
    policies,
    kubewise_curve: input.curve.map((p) => ({
      ...p,
      ...roundMetrics(p),
      calibration_error: round(p.calibration_error),
      wall_time_s: round(p.wall_time_s, 2) ?? 0,
    })),
    calibration_error: round(kubewise?.summary?.calibrationError ?? null),
    series: input.series,
  };
}

const fmt = (v: number | null, digits = 3): string =>
  v === null ? "-" : v.toFixed(digits);

/** Human-readable table (stdout); the JSON line follows it. */
export function formatTable(rows: PolicyRow[]): string {
  const header = [
    "policy",
    "mem_slack",
    "oom_free_days",
    "cpu_slack",
    "cpu_under",
    "cost_ratio",
    "changes/day",
    "calib_err",
    "days",
    "fallback",
    "wall_s",
  ];
  const lines = rows.map((r) => {
    if (!r.summary)
      return [r.name, `missing: ${r.missingReason ?? "not available"}`];
    const m = r.summary.metrics;
    return [
      r.name,
      fmt(m.mem_slack),
      fmt(m.oom_free_days, 4),
      fmt(m.cpu_slack),
      fmt(m.cpu_under, 4),
      fmt(m.cost_ratio),
      fmt(m.changes_per_day),
      fmt(r.summary.calibrationError),
      String(r.summary.seriesDays),
      String(r.summary.fallbackDays),
      r.wallTimeS.toFixed(1),
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(
      h.length,
      ...lines.map((l) => (l.length > 2 ? (l[i] ?? "").length : 0)),
    ),
  );
  const pad = (cells: string[]): string =>
    cells
      .map((c, i) => (cells.length > 2 ? c.padEnd(widths[i] ?? 0) : c))
      .join("  ");
  return [
    pad(header),
    ...lines.map((l) =>
      l.length > 2
        ? pad(l)
        : `${(l[0] ?? "").padEnd(widths[0] ?? 0)}  ${l[1] ?? ""}`,
    ),
  ].join("\n");
}
