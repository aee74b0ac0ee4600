// Samples are folded into fixed 5-minute slots (CPU mean, memory peak), the resolution of the
// traces and of Autopilot's signal; agents sampling every 10 s land in the same slots.
export const SLOT_SECONDS = 300;
export const SLOTS_PER_HOUR = 12;
export const SLOTS_PER_DAY = 288;

export type SlotView = {
  /** Index of the first slot: floor(timestampS / SLOT_SECONDS). */
  firstSlot: number;
  /** Mean CPU per slot; NaN where no valid reading. */
  cpuCores: Float64Array;
  /** Peak memory per slot; NaN where no valid reading. */
  memBytes: Float64Array;
};

export type SlotHistory = {
  add(timestampS: number, cpuCores: number, memBytes: number): void;
  /** Slots in [fromSlot, toSlot), clipped to what is retained. */
  view(fromSlot: number, toSlot: number): SlotView;
  /** Slot index one past the newest slot holding a reading; undefined when empty. */
  endSlot(): number | undefined;
  /** Oldest retained slot holding a reading; undefined when empty. */
  startSlot(): number | undefined;
};

export function slotOf(timestampS: number): number {
  return Math.floor(timestampS / SLOT_SECONDS);
}

function isReading(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}

/** Zero memory means "missing" in the traces and in cgroups of exited containers. */
function isMemReading(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

/**
 * Keeps at least `retentionSlots` slots. The buffer has slack so that it shifts once per
 * slack-many new slots (amortised O(1) per sample); the first sample lands `backfillSlots` in, so
 * slightly older samples arriving later (unsorted input) are still kept.
 */
export function createSlotHistory(options: {
  retentionSlots: number;
  backfillSlots?: number;
}): SlotHistory {
  const retention = options.retentionSlots;
  if (!Number.isInteger(retention) || retention <= 0) {
    throw new RangeError(
      `retentionSlots must be a positive integer, got ${retention}`,
    );
  }
  const slack = Math.max(SLOTS_PER_HOUR, Math.floor(retention / 4));
  const capacity = retention + slack;
  const backfill = Math.min(options.backfillSlots ?? SLOTS_PER_HOUR, retention);
  const cpuSum = new Float64Array(capacity);
  const cpuCount = new Float64Array(capacity);
  // Kept next to sum and count so that views are block copies instead of a division per slot.
  const cpuMean = new Float64Array(capacity).fill(Number.NaN);
  const memMax = new Float64Array(capacity).fill(Number.NaN);
  let base: number | undefined;
  let newest = Number.NEGATIVE_INFINITY;
  let oldest = Number.POSITIVE_INFINITY;

  function shiftTo(newBase: number): void {
    if (base === undefined) return;
    const by = newBase - base;
    if (by >= capacity) {
      cpuSum.fill(0);
      cpuCount.fill(0);
      cpuMean.fill(Number.NaN);
      memMax.fill(Number.NaN);
    } else {
      cpuSum.copyWithin(0, by);
      cpuCount.copyWithin(0, by);
      cpuMean.copyWithin(0, by);
      memMax.copyWithin(0, by);
      cpuSum.fill(0, capacity - by);
      cpuCount.fill(0, capacity - by);
      cpuMean.fill(Number.NaN, capacity - by);
      memMax.fill(Number.NaN, capacity - by);
    }
    base = newBase;
    oldest = Math.max(oldest, newBase);
  }

  function foldCpu(i: number, cpuCores: number): void {
    const sum = (cpuSum[i] ?? 0) + cpuCores;
    const count = (cpuCount[i] ?? 0) + 1;
    cpuSum[i] = sum;
    cpuCount[i] = count;
    cpuMean[i] = sum / count;
  }

  function foldMem(i: number, memBytes: number): void {
    if (!((memMax[i] ?? Number.NaN) >= memBytes)) memMax[i] = memBytes;
  }

  function add(timestampS: number, cpuCores: number, memBytes: number): void {
    if (!Number.isFinite(timestampS)) return;
    const hasCpu = isReading(cpuCores);
    const hasMem = isMemReading(memBytes);
    if (!hasCpu && !hasMem) return;
    const slot = slotOf(timestampS);
    base ??= slot - backfill;
    if (slot >= base + capacity) shiftTo(slot - retention + 1);
    if (slot < base) return;
    const i = slot - base;
    if (hasCpu) foldCpu(i, cpuCores);
    if (hasMem) foldMem(i, memBytes);
    newest = Math.max(newest, slot + 1);
    oldest = Math.min(oldest, slot);
  }

  function view(fromSlot: number, toSlot: number): SlotView {
    const length = Math.max(0, toSlot - fromSlot);
    const cpu = new Float64Array(length);
    const mem = new Float64Array(length);
    const lo = base === undefined ? toSlot : Math.max(fromSlot, base);
    const hi = base === undefined ? toSlot : Math.min(toSlot, base + capacity);
    if (base !== undefined && hi > lo) {
      cpu.set(cpuMean.subarray(lo - base, hi - base), lo - fromSlot);
      mem.set(memMax.subarray(lo - base, hi - base), lo - fromSlot);
      cpu.fill(Number.NaN, 0, lo - fromSlot).fill(Number.NaN, hi - fromSlot);
      mem.fill(Number.NaN, 0, lo - fromSlot).fill(Number.NaN, hi - fromSlot);
    } else {
      cpu.fill(Number.NaN);
      mem.fill(Number.NaN);
    }
    return { firstSlot: fromSlot, cpuCores: cpu, memBytes: mem };
  }

  return {
    add,
    view,
    endSlot: () => (Number.isFinite(newest) ? newest : undefined),
    startSlot: () => (Number.isFinite(oldest) ? oldest : undefined),
  };
}
