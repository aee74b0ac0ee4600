const MIB = 1_048_576;

export type ResourceFloors = { cpuCores: number; memBytes: number };

/**
 * Floors in real units; normalized traces (Google NCU/NMU) get none. CPU goes down to 1 millicore,
 * the API's resolution: idle workloads are common and a 10 m floor cost 3 points of CPU slack on the
 * dev traces (ADR 0004).
 */
export function floorsFor(unitSystem: "real" | "normalized"): ResourceFloors {
  return unitSystem === "real"
    ? { cpuCores: 0.001, memBytes: 20 * MIB }
    : { cpuCores: 0, memBytes: 0 };
}

/**
 * VPA's OOM bump: after an OOM at `oomMemBytes`, the limit is at least max(x1.2, +100 MiB)
 * (the +100 MiB only where memory is in bytes).
 */
export function applyOomBump(
  limitBytes: number,
  oomMemBytes: number | undefined,
  unitSystem: "real" | "normalized",
): number {
  if (oomMemBytes === undefined || !Number.isFinite(oomMemBytes))
    return limitBytes;
  const bumped =
    unitSystem === "real"
      ? Math.max(oomMemBytes * 1.2, oomMemBytes + 100 * MIB)
      : oomMemBytes * 1.2;
  return Math.max(limitBytes, bumped);
}
