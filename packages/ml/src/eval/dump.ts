import type { ResourceValues } from "../recommender";
import type { ScoredDay } from "./walk-forward";

export const DUMP_HEADER =
  "series_id,day_start_s,policy,window,days,start_hour_utc,end_hour_utc,cpu_request,cpu_limit,mem_request,mem_limit,confidence";

const cell = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? "" : String(v);

function row(
  day: ScoredDay,
  window: { name: string; days: string; start: string; end: string },
  values: ResourceValues,
): string {
  return [
    day.seriesId,
    day.dayStartS,
    day.policy,
    window.name,
    window.days,
    window.start,
    window.end,
    cell(values.cpuRequestCores),
    cell(values.cpuLimitCores),
    cell(values.memRequestBytes),
    cell(values.memLimitBytes),
    cell(day.confidence),
  ].join(",");
}

/**
 * CSV lines for one scored (series, day, policy): one per time window, then the base values as a
 * catch-all `base` window (days all, 0-24 h) — or a single `all` row without windows. Provisioned
 * and fallback days carry the trace's values at the day's first sample.
 */
export function toDumpLines(
  day: ScoredDay,
  provisionedAtStart: ResourceValues,
): string[] {
  const rec = day.recommendation;
  const noWindow = { name: "all", days: "", start: "", end: "" };
  if (rec === null) return [row(day, noWindow, provisionedAtStart)];
  if (rec.windows.length === 0) return [row(day, noWindow, rec.base)];
  const lines = rec.windows.map(({ window: w, values }) =>
    row(
      day,
      {
        name: w.name,
        days: w.days,
        start: String(w.startHourUtc),
        end: String(w.endHourUtc),
      },
      values,
    ),
  );
  lines.push(
    row(day, { name: "base", days: "all", start: "0", end: "24" }, rec.base),
  );
  return lines;
}
