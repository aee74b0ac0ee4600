import {
  BinaryCopyWriter,
  uuidBytes,
  type BinaryColumnType,
} from "./copy-binary";
import type { IngestSamples } from "./ingest";

const SAMPLE_COLUMNS: readonly BinaryColumnType[] = [
  "timestamptz",
  "uuid",
  "float8",
  "int8",
  "int8",
  "float8",
  "int8",
  "int8",
  "int8",
  "int4",
];
export const COPY_SAMPLES = `copy metric_samples (ts, container_id, cpu_usage_cores, cpu_throttled_periods,
  cpu_periods, cpu_throttled_seconds, memory_working_set_bytes, memory_rss_bytes, memory_limit_bytes,
  oom_kill_count) from stdin (format binary)`;

/**
 * Sample positions grouped by container (stable counting sort): consecutive rows then land on
 * the same leaf of the (container_id, ts) index, which keeps PostgreSQL's index maintenance
 * cache-hot instead of touching one leaf per row.
 */
function orderByContainer(
  containerIndex: readonly number[],
  containers: number,
): Int32Array {
  const starts = new Int32Array(containers + 1);
  for (const c of containerIndex) {
    if (!Number.isInteger(c) || c < 0 || c >= containers)
      throw new RangeError(`container index ${c} is not in [0, ${containers})`);
    starts[c + 1] = (starts[c + 1] ?? 0) + 1;
  }
  for (let c = 0; c < containers; c++)
    starts[c + 1] = (starts[c + 1] ?? 0) + (starts[c] ?? 0);
  const order = new Int32Array(containerIndex.length);
  containerIndex.forEach((c, i) => {
    order[starts[c] ?? 0] = i;
    starts[c] = (starts[c] ?? 0) + 1;
  });
  return order;
}

// Columns have equal lengths (checked), so the NaN fallback is never written.
const at = (column: readonly number[], i: number): number => column[i] ?? NaN;

type SampleSet = { containerIds: readonly string[]; samples: IngestSamples };

function checkColumns(s: IngestSamples): number {
  const count = s.timestampMs.length;
  const columns: (readonly number[] | undefined)[] = [
    s.containerIndex,
    s.cpuUsageCores,
    s.cpuThrottledPeriods,
    s.cpuThrottledSeconds,
    s.cpuPeriods,
    s.memoryWorkingSetBytes,
    s.memoryRssBytes,
    s.memoryLimitBytes,
    s.oomKillCount,
  ];
  if (columns.some((c) => c !== undefined && c.length !== count))
    throw new RangeError("sample columns differ in length");
  return count;
}

// Container ids repeat in every batch of a node: each is parsed once (bounded, cleared when full).
const MAX_CACHED_IDS = 200_000;
const idBytes = new Map<string, Buffer>();
function cachedUuidBytes(id: string): Buffer {
  let bytes = idBytes.get(id);
  if (bytes === undefined) {
    bytes = uuidBytes(id);
    if (idBytes.size >= MAX_CACHED_IDS) idBytes.clear();
    idBytes.set(id, bytes);
  }
  return bytes;
}

function writeRows(
  w: BinaryCopyWriter,
  { containerIds, samples: s }: SampleSet,
): void {
  const ids = containerIds.map(cachedUuidBytes);
  for (const i of orderByContainer(s.containerIndex, ids.length)) {
    const id = ids[s.containerIndex[i] ?? -1];
    if (id === undefined) throw new RangeError(`sample ${i} has no container`);
    const memoryLimitBytes = at(s.memoryLimitBytes, i);
    w.startRow(SAMPLE_COLUMNS.length);
    w.timestamptz(at(s.timestampMs, i));
    w.uuid(id);
    w.float8(at(s.cpuUsageCores, i));
    w.int8(at(s.cpuThrottledPeriods, i));
    if (s.cpuPeriods === undefined) w.null();
    else w.int8(at(s.cpuPeriods, i));
    w.float8(at(s.cpuThrottledSeconds, i));
    w.int8(at(s.memoryWorkingSetBytes, i));
    w.int8(at(s.memoryRssBytes, i));
    if (memoryLimitBytes === 0) w.null();
    else w.int8(memoryLimitBytes);
    w.int4(at(s.oomKillCount, i));
  }
}

/** The samples of one or more batches as one binary COPY payload (no per-sample objects or strings). */
export function encodeSamplesForCopy(...sets: readonly SampleSet[]): Buffer {
  const rows = sets.reduce((sum, set) => sum + checkColumns(set.samples), 0);
  const w = new BinaryCopyWriter(rows, SAMPLE_COLUMNS);
  for (const set of sets) writeRows(w, set);
  return w.finish();
}
