import type { TidyRow, UnitSystem } from "./tidy-format";
import { createTidyParser } from "./tidy-format";

/** One usage series with its provisioned request/limit at every sample; NaN = missing or not set. */
export type TraceSeries = {
  seriesId: string;
  unitSystem: UnitSystem;
  timestampsS: Float64Array;
  cpu: Float64Array;
  mem: Float64Array;
  cpuRequest: Float64Array;
  cpuLimit: Float64Array;
  memRequest: Float64Array;
  memLimit: Float64Array;
  quality: SeriesQuality;
};

export type SeriesQuality = {
  rows: number;
  duplicateTimestamps: number;
  outOfOrderRows: number;
  missingMem: number;
  missingCpu: number;
};

const FIELDS = [
  "cpu",
  "mem",
  "cpuRequest",
  "cpuLimit",
  "memRequest",
  "memLimit",
] as const;

type Pending = {
  unitSystem: UnitSystem;
  timestampsS: number[];
  values: Record<(typeof FIELDS)[number], number[]>;
  outOfOrderRows: number;
};

/** Groups rows by series_id; `finish` sorts by time and keeps the first row of each duplicate timestamp. */
export class TraceSeriesBuilder {
  private readonly pending = new Map<string, Pending>();

  add(row: TidyRow, unitSystem: UnitSystem): void {
    let p = this.pending.get(row.seriesId);
    if (p === undefined) {
      p = {
        unitSystem,
        timestampsS: [],
        values: {
          cpu: [],
          mem: [],
          cpuRequest: [],
          cpuLimit: [],
          memRequest: [],
          memLimit: [],
        },
        outOfOrderRows: 0,
      };
      this.pending.set(row.seriesId, p);
    } else if (p.unitSystem !== unitSystem) {
      throw new Error(
        `series ${row.seriesId} appears with both real and normalized units`,
      );
    }
    const last = p.timestampsS[p.timestampsS.length - 1];
    if (last !== undefined && row.timestampS < last) p.outOfOrderRows++;
    p.timestampsS.push(row.timestampS);
    for (const f of FIELDS) p.values[f].push(row[f]);
  }

  seriesIds(): string[] {
    return [...this.pending.keys()].sort();
  }

  finish(seriesId: string): TraceSeries {
    const p = this.pending.get(seriesId);
    if (p === undefined) throw new Error(`unknown series ${seriesId}`);
    this.pending.delete(seriesId);
    return toSeries(seriesId, p);
  }

  finishAll(): TraceSeries[] {
    return this.seriesIds().map((id) => this.finish(id));
  }
}

function toSeries(seriesId: string, p: Pending): TraceSeries {
  const order = Array.from(p.timestampsS.keys());
  if (p.outOfOrderRows > 0)
    order.sort(
      (a, b) => (p.timestampsS[a] ?? 0) - (p.timestampsS[b] ?? 0) || a - b,
    );
  const kept: number[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (const i of order) {
    const t = p.timestampsS[i] ?? Number.NaN;
    if (t === previous) continue;
    kept.push(i);
    previous = t;
  }
  const pick = (source: number[]): Float64Array =>
    Float64Array.from(kept, (i) => source[i] ?? Number.NaN);
  const series: TraceSeries = {
    seriesId,
    unitSystem: p.unitSystem,
    timestampsS: pick(p.timestampsS),
    cpu: pick(p.values.cpu),
    mem: pick(p.values.mem),
    cpuRequest: pick(p.values.cpuRequest),
    cpuLimit: pick(p.values.cpuLimit),
    memRequest: pick(p.values.memRequest),
    memLimit: pick(p.values.memLimit),
    quality: {
      rows: p.timestampsS.length,
      duplicateTimestamps: p.timestampsS.length - kept.length,
      outOfOrderRows: p.outOfOrderRows,
      missingMem: 0,
      missingCpu: 0,
    },
  };
  series.quality.missingMem = countNaN(series.mem);
  series.quality.missingCpu = countNaN(series.cpu);
  return series;
}

function countNaN(values: Float64Array): number {
  let n = 0;
  for (const v of values) if (Number.isNaN(v)) n++;
  return n;
}

export type ParsedTrace = {
  series: TraceSeries[];
  rejectedRows: number;
  firstRejection: string | null;
};

/** Parses whole CSV text (pure; small inputs and tests). Malformed rows are skipped and counted. */
export function parseTidyCsv(text: string): ParsedTrace {
  const lines = text.split(/\r?\n/);
  const parser = createTidyParser(lines[0] ?? "");
  const builder = new TraceSeriesBuilder();
  let rejectedRows = 0;
  let firstRejection: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") continue;
    const row = parser.parseLine(line);
    if ("error" in row) {
      rejectedRows++;
      firstRejection ??= `line ${i + 1}: ${row.error}`;
      continue;
    }
    builder.add(row, parser.unitSystem);
  }
  return { series: builder.finishAll(), rejectedRows, firstRejection };
}
