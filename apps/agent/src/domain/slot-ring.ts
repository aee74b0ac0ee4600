import { SEQ_HOURS, SLOT_SECONDS, type SlotView } from "@kubewise/ml";

/** Slots the forecaster reads (48 h of 5-minute slots); also the longest detector window. */
export const RING_SLOTS = (SEQ_HOURS * 3600) / SLOT_SECONDS;

/**
 * 48 h of one container's samples folded into 5-minute slots (CPU mean and max, memory peak), in
 * fixed typed arrays (~11 KiB per container) so scoring history never grows with uptime.
 */
export type SlotRing = {
  add(timestampMs: number, cpuCores: number, memoryBytes: number): void;
  /** Slots [endSlot - RING_SLOTS, endSlot); `cpuMax` is per slot like `cpuCores` (the mean). */
  view(endSlot: number): SlotView & { cpuMax: Float64Array };
  newestSlot(): number | undefined;
};

export function slotOfMs(timestampMs: number): number {
  return Math.floor(timestampMs / 1000 / SLOT_SECONDS);
}

export function createSlotRing(): SlotRing {
  const slotIds = new Int32Array(RING_SLOTS).fill(-1);
  const cpuSum = new Float32Array(RING_SLOTS);
  const cpuCount = new Uint16Array(RING_SLOTS);
  const cpuMax = new Float32Array(RING_SLOTS);
  const memMax = new Float32Array(RING_SLOTS);
  let newest: number | undefined;

  const cellOf = (slot: number): number => {
    const cell = slot % RING_SLOTS;
    if (slotIds[cell] !== slot) {
      slotIds[cell] = slot;
      cpuSum[cell] = 0;
      cpuCount[cell] = 0;
      cpuMax[cell] = Number.NaN;
      memMax[cell] = Number.NaN;
    }
    return cell;
  };

  const foldCpu = (cell: number, cpuCores: number) => {
    cpuSum[cell] = (cpuSum[cell] ?? 0) + cpuCores;
    cpuCount[cell] = Math.min(65_535, (cpuCount[cell] ?? 0) + 1);
    if (!((cpuMax[cell] ?? Number.NaN) >= cpuCores)) cpuMax[cell] = cpuCores;
  };

  const foldMem = (cell: number, memoryBytes: number) => {
    // Zero memory means "no reading" (exited container), as in @kubewise/ml's slot history.
    if (memoryBytes > 0 && !((memMax[cell] ?? Number.NaN) >= memoryBytes))
      memMax[cell] = memoryBytes;
  };

  // Older than the ring (late replay data): nothing to fold into.
  const isOutsideRing = (slot: number) =>
    !(slot >= 0) || (newest !== undefined && slot <= newest - RING_SLOTS);

  return {
    add(timestampMs, cpuCores, memoryBytes) {
      const slot = slotOfMs(timestampMs);
      if (isOutsideRing(slot)) return;
      const cell = cellOf(slot);
      if (Number.isFinite(cpuCores) && cpuCores >= 0) foldCpu(cell, cpuCores);
      foldMem(cell, memoryBytes);
      if (newest === undefined || slot > newest) newest = slot;
    },
    view(endSlot) {
      const firstSlot = endSlot - RING_SLOTS;
      const cpuCores = new Float64Array(RING_SLOTS).fill(Number.NaN);
      const max = new Float64Array(RING_SLOTS).fill(Number.NaN);
      const memBytes = new Float64Array(RING_SLOTS).fill(Number.NaN);
      for (let i = 0; i < RING_SLOTS; i++) {
        const slot = firstSlot + i;
        const cell = slot % RING_SLOTS;
        if (slot < 0 || slotIds[cell] !== slot) continue;
        const count = cpuCount[cell] ?? 0;
        if (count > 0) {
          cpuCores[i] = (cpuSum[cell] ?? 0) / count;
          max[i] = cpuMax[cell] ?? Number.NaN;
        }
        memBytes[i] = memMax[cell] ?? Number.NaN;
      }
      return { firstSlot, cpuCores, memBytes, cpuMax: max };
    },
    newestSlot: () => newest,
  };
}
