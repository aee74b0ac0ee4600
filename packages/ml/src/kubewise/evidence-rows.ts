// Training rows for the confidence model: walk a trace series forward day by day (the harness' own
// day boundaries), gather the evidence before each day and what the day then brought.
import { dayBoundaries } from "../eval/walk-forward";
import {
  createSlotHistory,
  slotOf,
  SLOTS_PER_DAY,
} from "../features/slot-history";
import { maxFinite, quantileOf } from "../stats/quantile";
import type { TraceSeries } from "../traces/series-builder";
import type { Evidence } from "./evidence";
import { gatherEvidence } from "./evidence";
import { createForecastCache } from "./forecasts";
import type { ForecastFn } from "./forecasts";

export type EvidenceRow = {
  seriesId: string;
  dayStartS: number;
  realUnits: boolean;
  evidence: Evidence;
  /** The scored day: memory peak and p95, CPU peak (5-minute means). */
  next: { memPeak: number; memP95: number; cpuPeak: number };
};

const RETENTION_SLOTS = 15 * SLOTS_PER_DAY;

/** What the day [start, end) brought; null when it has no memory peak or CPU reading. */
function dayOutcome(
  series: TraceSeries,
  start: number,
  end: number,
): EvidenceRow["next"] | null {
  const memPeak = maxFinite(series.mem, start, end);
  const cpuPeak = maxFinite(series.cpu, start, end);
  if (!(memPeak > 0) || !Number.isFinite(cpuPeak)) return null;
  return {
    memPeak,
    memP95: quantileOf(series.mem, 0.95, { start, end }),
    cpuPeak,
  };
}

export function evidenceRows(
  series: TraceSeries,
  forecast: ForecastFn,
): EvidenceRow[] {
  const history = createSlotHistory({ retentionSlots: RETENTION_SLOTS });
  const forecastAt = createForecastCache(history, forecast);
  const { dayStartsS, bounds } = dayBoundaries(series);
  const rows: EvidenceRow[] = [];
  let observed = 0;
  const observeUntil = (to: number): void => {
    for (; observed < to; observed++)
      history.add(
        series.timestampsS[observed] ?? Number.NaN,
        series.cpu[observed] ?? Number.NaN,
        series.mem[observed] ?? Number.NaN,
      );
  };
  for (const [k, dayStartS] of dayStartsS.entries()) {
    const start = bounds[k] ?? 0;
    const end = bounds[k + 1] ?? start;
    observeUntil(start);
    const next = end > start ? dayOutcome(series, start, end) : null;
    const nowSlot = slotOf(dayStartS);
    const evidence = next
      ? gatherEvidence(history, nowSlot, forecastAt(nowSlot))
      : undefined;
    if (!next || !evidence) continue;
    rows.push({
      seriesId: series.seriesId,
      dayStartS,
      realUnits: series.unitSystem === "real",
      evidence,
      next,
    });
  }
  return rows;
}
