import type { TraceSeries } from "../traces/series-builder";

/** A real-unit series every 300 s from `startS`; provisioned 2 cores / 4 GiB unless given. */
export function makeSeries(input: {
  count: number;
  startS?: number;
  cpu: (i: number) => number;
  mem: (i: number) => number;
  timestamp?: (i: number) => number;
  unitSystem?: "real" | "normalized";
}): TraceSeries {
  const { count, startS = 0 } = input;
  const f = (fn: (i: number) => number): Float64Array =>
    Float64Array.from({ length: count }, (_, i) => fn(i));
  return {
    seriesId: "test-series",
    unitSystem: input.unitSystem ?? "real",
    timestampsS: f(input.timestamp ?? ((i) => startS + i * 300)),
    cpu: f(input.cpu),
    mem: f(input.mem),
    cpuRequest: f(() => 2),
    cpuLimit: f(() => 2),
    memRequest: f(() => 4 * 1024 ** 3),
    memLimit: f(() => 4 * 1024 ** 3),
    quality: {
      rows: count,
      duplicateTimestamps: 0,
      outOfOrderRows: 0,
      missingMem: 0,
      missingCpu: 0,
    },
  };
}
