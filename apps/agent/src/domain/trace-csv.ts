// The tidy long format of ../shared/traces (Bitbrains columns; cores and bytes).
const TIDY_COLUMNS = [
  "series_id",
  "timestamp_s",
  "cpu_cores",
  "mem_bytes",
  "cpu_request",
  "mem_request",
  "cpu_limit",
  "mem_limit",
] as const;

export type TraceSeries = {
  seriesId: string;
  timestampS: number[];
  cpuCores: number[];
  memBytes: number[];
  cpuRequestCores: number;
  memRequestBytes: number;
  cpuLimitCores: number;
  memLimitBytes: number;
};

export type TraceParseResult =
  { ok: true; series: TraceSeries[] } | { ok: false; error: string };

function parseRow(cells: string[]): number[] | undefined {
  const numbers = cells.slice(1).map(Number);
  return numbers.length === TIDY_COLUMNS.length - 1 &&
    numbers.every((n) => Number.isFinite(n) && n >= 0)
    ? numbers
    : undefined;
}

function newSeries(id: string, row: number[]): TraceSeries {
  const [
    ,
    ,
    ,
    cpuRequestCores = 0,
    memRequestBytes = 0,
    cpuLimitCores = 0,
    memLimitBytes = 0,
  ] = row;
  return {
    seriesId: id,
    timestampS: [],
    cpuCores: [],
    memBytes: [],
    cpuRequestCores,
    memRequestBytes,
    cpuLimitCores,
    memLimitBytes,
  };
}

/** Appends one row; returns an error text when time does not increase. */
function appendRow(series: TraceSeries, row: number[]): string | undefined {
  const [timestampS = 0, cpu = 0, mem = 0] = row;
  const last = series.timestampS.at(-1);
  if (last !== undefined && timestampS <= last)
    return `time does not increase within ${series.seriesId}`;
  series.timestampS.push(timestampS);
  series.cpuCores.push(cpu);
  series.memBytes.push(mem);
  return undefined;
}

/** Parses tidy CSV text into series; stops after `maxSeries` series. Bad rows are an error with their line. */
export function parseTidyCsv(
  text: string,
  maxSeries: number,
): TraceParseResult {
  const lines = text.split("\n");
  const header = lines[0]?.trim();
  if (header !== TIDY_COLUMNS.join(",")) {
    return {
      ok: false,
      error: `unsupported trace header (need ${TIDY_COLUMNS.join(",")}): ${header ?? "<empty>"}`,
    };
  }
  const series: TraceSeries[] = [];
  let current: TraceSeries | undefined;
  for (let i = 1; i < lines.length; i++) {
    const cells = (lines[i] ?? "").trim().split(",");
    const id = cells[0] ?? "";
    if (id === "") continue;
    const row = parseRow(cells);
    if (row === undefined)
      return { ok: false, error: `line ${i + 1}: malformed row` };
    if (current?.seriesId !== id) {
      if (series.length === maxSeries) break;
      current = newSeries(id, row);
      series.push(current);
    }
    const error = appendRow(current, row);
    if (error !== undefined)
      return { ok: false, error: `line ${i + 1}: ${error}` };
  }
  return { ok: true, series };
}
