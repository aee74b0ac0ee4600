import { SLOT_SECONDS, SLOTS_PER_DAY } from "../features/slot-history";
import type { SlotView } from "../features/slot-history";
import { quantileSorted } from "../stats/quantile";

const BLOCK_HOURS = 4;
const BLOCKS = 24 / BLOCK_HOURS;
const MIN_DAYS = 3;

/** Per 4-hour UTC block: a CPU level and the block's memory peak relative to its day's peak. */
export type BlockPlan = { cpuCores: number[]; memShape: number[] };

function blockOf(slot: number): number {
  return Math.floor(((slot * SLOT_SECONDS) % 86_400) / (BLOCK_HOURS * 3600));
}

/**
 * CPU: the (1 - exceedance) quantile of each block's samples. Memory: the largest ratio, over the
 * days seen, of a block's peak to that day's peak, so a block's limit covers its worst day so far.
 */
export function planBlocks(
  view: SlotView,
  exceedance: number,
): BlockPlan | undefined {
  const cpu = cpuSamplesByBlock(view);
  const { shape, shapeDays } = memShapeByBlock(view);
  if (
    shapeDays.some((n) => n < MIN_DAYS) ||
    cpu.some((samples) => samples.length < MIN_DAYS * 12)
  )
    return undefined;
  const q = 1 - exceedance;
  return {
    cpuCores: cpu.map((samples) =>
      quantileSorted(Float64Array.from(samples).sort(), q),
    ),
    memShape: shape,
  };
}

function cpuSamplesByBlock(view: SlotView): number[][] {
  const cpu: number[][] = Array.from({ length: BLOCKS }, () => []);
  for (let k = 0; k < view.cpuCores.length; k++) {
    const c = view.cpuCores[k] ?? Number.NaN;
    if (Number.isFinite(c)) cpu[blockOf(view.firstSlot + k)]?.push(c);
  }
  return cpu;
}

/** Per block: the largest block-peak / day-peak ratio over the complete days, and how many days had one. */
function memShapeByBlock(view: SlotView): {
  shape: number[];
  shapeDays: number[];
} {
  const shape = new Array<number>(BLOCKS).fill(0);
  const shapeDays = new Array<number>(BLOCKS).fill(0);
  const dayStart = Math.ceil(view.firstSlot / SLOTS_PER_DAY) * SLOTS_PER_DAY;
  for (
    let day = dayStart;
    day + SLOTS_PER_DAY <= view.firstSlot + view.memBytes.length;
    day += SLOTS_PER_DAY
  ) {
    const peaks = blockPeaksOfDay(view, day);
    if (peaks.some((p) => !Number.isFinite(p))) continue;
    const dayPeak = Math.max(...peaks);
    peaks.forEach((p, b) => {
      shape[b] = Math.max(shape[b] ?? 0, p / dayPeak);
      shapeDays[b] = (shapeDays[b] ?? 0) + 1;
    });
  }
  return { shape, shapeDays };
}

function blockPeaksOfDay(view: SlotView, day: number): number[] {
  const peaks = new Array<number>(BLOCKS).fill(Number.NaN);
  for (let slot = day; slot < day + SLOTS_PER_DAY; slot++) {
    const m = view.memBytes[slot - view.firstSlot] ?? Number.NaN;
    const b = blockOf(slot);
    if (Number.isFinite(m) && !((peaks[b] ?? Number.NaN) >= m)) peaks[b] = m;
  }
  return peaks;
}

export function blockWindow(block: number): {
  name: string;
  days: "all";
  startHourUtc: number;
  endHourUtc: number;
} {
  const start = block * BLOCK_HOURS;
  const pad = (h: number): string => String(h).padStart(2, "0");
  return {
    name: `h${pad(start)}-${pad(start + BLOCK_HOURS)}`,
    days: "all",
    startHourUtc: start,
    endHourUtc: start + BLOCK_HOURS,
  };
}

export function blockOfTimestamp(timestampS: number): number {
  return blockOf(Math.floor(timestampS / SLOT_SECONDS));
}
