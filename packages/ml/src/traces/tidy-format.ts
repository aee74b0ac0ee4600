// Pure parsing of the tidy trace format (see /work/shared/traces/README.md): one row per (series, sample).

export type UnitSystem = "real" | "normalized";

export type TidyRow = {
  seriesId: string;
  timestampS: number;
  cpu: number;
  mem: number;
  cpuRequest: number;
  cpuLimit: number;
  memRequest: number;
  memLimit: number;
};

type ColumnSet = {
  unitSystem: UnitSystem;
  names: Record<Exclude<keyof TidyRow, "seriesId" | "timestampS">, string>;
};

const COLUMN_SETS: readonly ColumnSet[] = [
  {
    unitSystem: "real",
    names: {
      cpu: "cpu_cores",
      mem: "mem_bytes",
      cpuRequest: "cpu_request",
      cpuLimit: "cpu_limit",
      memRequest: "mem_request",
      memLimit: "mem_limit",
    },
  },
  {
    unitSystem: "normalized",
    names: {
      cpu: "cpu_ncu",
      mem: "mem_nmu",
      cpuRequest: "cpu_request_ncu",
      cpuLimit: "cpu_limit_ncu",
      memRequest: "mem_request_nmu",
      memLimit: "mem_limit_nmu",
    },
  },
];

export type TidyParser = {
  unitSystem: UnitSystem;
  /** The row, or a reason it was rejected. */
  parseLine(line: string): TidyRow | { error: string };
};

/** True when a CSV header line looks like a tidy usage file (not e.g. series.csv). */
export function isTidyHeader(headerLine: string): boolean {
  try {
    createTidyParser(headerLine);
    return true;
  } catch {
    return false;
  }
}

export function createTidyParser(headerLine: string): TidyParser {
  const header = headerLine.trim().split(",");
  const indexOf = (name: string): number => header.indexOf(name);
  const set = COLUMN_SETS.find(
    (s) => indexOf(s.names.cpu) >= 0 && indexOf(s.names.mem) >= 0,
  );
  if (
    indexOf("series_id") < 0 ||
    indexOf("timestamp_s") < 0 ||
    set === undefined
  ) {
    throw new Error(
      `not a tidy trace header (need series_id, timestamp_s and cpu_cores/mem_bytes or cpu_ncu/mem_nmu): "${headerLine.slice(0, 120)}"`,
    );
  }
  const idx = {
    seriesId: indexOf("series_id"),
    timestampS: indexOf("timestamp_s"),
    cpu: indexOf(set.names.cpu),
    mem: indexOf(set.names.mem),
    cpuRequest: indexOf(set.names.cpuRequest),
    cpuLimit: indexOf(set.names.cpuLimit),
    memRequest: indexOf(set.names.memRequest),
    memLimit: indexOf(set.names.memLimit),
  };
  const width = header.length;
  return {
    unitSystem: set.unitSystem,
    parseLine(line) {
      const cells = line.split(",");
      if (cells.length !== width)
        return { error: `expected ${width} cells, got ${cells.length}` };
      const seriesId = (cells[idx.seriesId] ?? "").trim();
      const timestampS = parseCell(cells[idx.timestampS]);
      if (seriesId === "") return { error: "empty series_id" };
      if (!Number.isFinite(timestampS))
        return { error: "timestamp_s is not a number" };
      const cell = (i: number): number =>
        i < 0 ? Number.NaN : parseCell(cells[i]);
      return {
        seriesId,
        timestampS,
        cpu: nonNegativeOrNaN(cell(idx.cpu)),
        // A zero memory reading means "not measured" in these traces, never real zero usage.
        mem: positiveOrNaN(cell(idx.mem)),
        cpuRequest: positiveOrNaN(cell(idx.cpuRequest)),
        cpuLimit: positiveOrNaN(cell(idx.cpuLimit)),
        memRequest: positiveOrNaN(cell(idx.memRequest)),
        memLimit: positiveOrNaN(cell(idx.memLimit)),
      };
    },
  };
}

function parseCell(cell: string | undefined): number {
  if (cell === undefined) return Number.NaN;
  const trimmed = cell.trim();
  return trimmed === "" ? Number.NaN : Number(trimmed);
}

function nonNegativeOrNaN(v: number): number {
  return v >= 0 && Number.isFinite(v) ? v : Number.NaN;
}

function positiveOrNaN(v: number): number {
  return v > 0 && Number.isFinite(v) ? v : Number.NaN;
}
