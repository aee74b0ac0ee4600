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

/** The series a row of `id` goes into: the open one or a new one; undefined once `maxSeries` are open. */
function seriesForRow(
  collected: { series: TraceSeries[]; maxSeries: number },
  id: string,
  row: number[],
): TraceSeries | undefined {
  const current = collected.series.at(-1);
  if (current?.seriesId === id) return current;
  if (collected.series.length === collected.maxSeries) return undefined;
  const next = newSeries(id, row);
  collected.series.push(next);
  return next;
}

function checkHeader(line: string | undefined): TraceParseResult | undefined {
  const header = line?.trim();
  if (header === TIDY_COLUMNS.join(",")) return undefined;
  return {
    ok: false,
    error: `unsupported trace header (need ${TIDY_COLUMNS.join(",")}): ${header ?? "<empty>"}`,
  };
}

function lineError(index: number, error: string): TraceParseResult {
  return { ok: false, error: `line ${index + 1}: ${error}` };
}

/** Parses tidy CSV text into series; stops after `maxSeries` series. Bad rows are an error with their line. */
export function parseTidyCsv(
  text: string,
  maxSeries: number,
): TraceParseResult {
  const lines = text.split("\n");
  const badHeader = checkHeader(lines[0]);
  if (badHeader !== undefined) return badHeader;
  const collected = { series: [] as TraceSeries[], maxSeries };
  for (let i = 1; i < lines.length; i++) {
    const cells = (lines[i] ?? "").trim().split(",");
    const id = cells[0] ?? "";
    if (id === "") continue;
    const row = parseRow(cells);
    if (row === undefined) return lineError(i, "malformed row");
    const target = seriesForRow(collected, id, row);
    if (target === undefined) break;
    const error = appendRow(target, row);
    if (error !== undefined) return lineError(i, error);
  }
  return { ok: true, series: collected.series };
}
