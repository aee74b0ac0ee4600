import { SLOT_SECONDS } from "@kubewise/ml";

/** One finished 5-minute slot of one container, folded from its 10 s samples. */
export type SlotRecord = {
  key: string;
  /** floor(unix seconds / 300). */
  slot: number;
  cpuMeanCores: number;
  cpuMaxCores: number;
  /** Peak working set of the slot's samples; NaN when none had a memory reading. */
  memMaxBytes: number;
};

type Open = {
  slot: number;
  cpuSum: number;
  cpuCount: number;
  cpuMax: number;
  memMax: number;
};

/**
 * Folds every scrape into the current slot of each container and hands out slots once a newer one
 * starts (or on flush). Kept tiny on purpose: one open slot per container, so training history
 * costs the agent disk, not memory.
 */
export type SlotJournal = {
  add(
    key: string,
    timestampMs: number,
    reading: { cpuCores: number; memoryBytes: number },
  ): void;
  /** Slots closed since the last call. */
  takeClosed(): SlotRecord[];
  /** Closes every open slot older than `beforeSlot` (containers that stopped reporting). */
  closeStale(beforeSlot: number): void;
  openContainers(): number;
};

function toRecord(key: string, open: Open): SlotRecord | undefined {
  if (open.cpuCount === 0 && !Number.isFinite(open.memMax)) return undefined;
  return {
    key,
    slot: open.slot,
    cpuMeanCores: open.cpuCount > 0 ? open.cpuSum / open.cpuCount : Number.NaN,
    cpuMaxCores: open.cpuCount > 0 ? open.cpuMax : Number.NaN,
    memMaxBytes: open.memMax,
  };
}

function emptySlot(slot: number): Open {
  return {
    slot,
    cpuSum: 0,
    cpuCount: 0,
    cpuMax: Number.NaN,
    memMax: Number.NaN,
  };
}

export function createSlotJournal(): SlotJournal {
  const open = new Map<string, Open>();
  let closed: SlotRecord[] = [];
  const close = (key: string, slot: Open) => {
    const record = toRecord(key, slot);
    if (record) closed.push(record);
  };
  return {
    add(key, timestampMs, reading) {
      const slot = Math.floor(timestampMs / 1000 / SLOT_SECONDS);
      if (!(slot >= 0)) return;
      let current = open.get(key);
      // Late samples of an already closed slot are dropped: a slot is written once.
      if (current !== undefined && slot < current.slot) return;
      if (current === undefined || slot > current.slot) {
        if (current !== undefined) close(key, current);
        current = emptySlot(slot);
        open.set(key, current);
      }
      const { cpuCores, memoryBytes } = reading;
      if (Number.isFinite(cpuCores) && cpuCores >= 0) {
        current.cpuSum += cpuCores;
        current.cpuCount++;
        if (!(current.cpuMax >= cpuCores)) current.cpuMax = cpuCores;
      }
      // Zero memory means "no reading" (an exited container), as in @kubewise/ml's slot history.
      if (memoryBytes > 0 && !(current.memMax >= memoryBytes))
        current.memMax = memoryBytes;
    },
    takeClosed() {
      const out = closed;
      closed = [];
      return out;
    },
    closeStale(beforeSlot) {
      for (const [key, slot] of open)
        if (slot.slot < beforeSlot) {
          close(key, slot);
          open.delete(key);
        }
    },
    openContainers: () => open.size,
  };
}
