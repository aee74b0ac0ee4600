import { maxFinite } from "../stats/quantile";
import { quantileBySelection as quantileOf } from "./select-quantile";
import { SLOT_SECONDS, SLOTS_PER_DAY, SLOTS_PER_HOUR } from "./slot-history";
import type { SlotView } from "./slot-history";

/** Hourly blocks the LSTM sees (the last 48 h), each aligned to `nowS`, not to clock hours. */
export const SEQ_HOURS = 48;
export const INPUT_SLOTS = SEQ_HOURS * SLOTS_PER_HOUR;
export const HORIZON_SLOTS = SLOTS_PER_DAY;
export const FEATURE_NAMES = [
  "log1p(mem_max/mem_ref)",
  "log1p(cpu_mean/cpu_ref)",
  "log1p(cpu_max/cpu_ref)",
  "present_fraction",
  "sin_hour_of_day",
  "cos_hour_of_day",
  "sin_day_of_week",
  "cos_day_of_week",
] as const;
export const FEATURE_COUNT = FEATURE_NAMES.length;
/** Targets are log ratios to the reference, clipped so empty or idle series cannot blow up the loss. */
export const TARGET_NAMES = [
  "log(next_day_mem_max/mem_ref)",
  "log(next_day_cpu_p95/cpu_ref)",
] as const;
export const TARGET_CLIP = 3;
const MIN_PRESENT_FRACTION = 0.25;

export type ModelInput = {
  /** Row-major [SEQ_HOURS, FEATURE_COUNT]. */
  features: Float32Array;
  /** Peak memory over the input window, the scale of every memory feature and target. */
  memRefBytes: number;
  /** p95 of 5-min CPU over the input window (floored), the scale of CPU features and targets. */
  cpuRefCores: number;
};

function cpuReference(cpu: Float64Array): number {
  const p95 = quantileOf(cpu, 0.95);
  const peak = maxFinite(cpu);
  return Math.max(p95, 0.05 * peak, 1e-9);
}

function meanOrNaN(sum: number, count: number): number {
  return count > 0 ? sum / count : Number.NaN;
}

/** Writes the three usage features and the present fraction of hourly block `b` into `row`. */
function writeBlockFeatures(
  view: SlotView,
  block: number,
  out: { features: Float32Array; row: number; memRef: number; cpuRef: number },
): void {
  let mem = Number.NaN;
  let cpuSum = 0;
  let cpuN = 0;
  let cpuMax = Number.NaN;
  let present = 0;
  const { cpuCores, memBytes } = view;
  for (let k = block * SLOTS_PER_HOUR; k < (block + 1) * SLOTS_PER_HOUR; k++) {
    const m = memBytes[k] ?? Number.NaN;
    const c = cpuCores[k] ?? Number.NaN;
    const hasMem = Number.isFinite(m);
    const hasCpu = Number.isFinite(c);
    if (hasMem && !(mem >= m)) mem = m;
    if (hasCpu) {
      cpuSum += c;
      cpuN++;
      if (!(cpuMax >= c)) cpuMax = c;
    }
    if (hasMem || hasCpu) present++;
  }
  const { features, row } = out;
  features[row] = ratioFeature(mem, out.memRef);
  features[row + 1] = ratioFeature(meanOrNaN(cpuSum, cpuN), out.cpuRef);
  features[row + 2] = ratioFeature(cpuMax, out.cpuRef);
  features[row + 3] = present / SLOTS_PER_HOUR;
}

const CALENDAR_COLUMNS = 4;
const calendarCache = new Map<number, Float32Array>();

/** sin/cos of hour of day and day of week per block; every container of a pass shares `firstSlot`. */
function calendarFeatures(firstSlot: number): Float32Array {
  let cached = calendarCache.get(firstSlot);
  if (cached) return cached;
  cached = new Float32Array(SEQ_HOURS * CALENDAR_COLUMNS);
  for (let b = 0; b < SEQ_HOURS; b++) {
    const midS =
      (firstSlot + b * SLOTS_PER_HOUR + SLOTS_PER_HOUR / 2) * SLOT_SECONDS;
    const hourAngle = (2 * Math.PI * (midS % 86_400)) / 86_400;
    const weekAngle = (2 * Math.PI * (midS % 604_800)) / 604_800;
    cached[b * CALENDAR_COLUMNS] = Math.sin(hourAngle);
    cached[b * CALENDAR_COLUMNS + 1] = Math.cos(hourAngle);
    cached[b * CALENDAR_COLUMNS + 2] = Math.sin(weekAngle);
    cached[b * CALENDAR_COLUMNS + 3] = Math.cos(weekAngle);
  }
  if (calendarCache.size >= 64) calendarCache.clear();
  calendarCache.set(firstSlot, cached);
  return cached;
}

function ratioFeature(value: number, ref: number): number {
  return Number.isFinite(value) ? Math.log1p(Math.min(value / ref, 50)) : 0;
}

/** The memory reference of the input over `view`, or undefined when the window is too sparse for one. */
export function inputMemReference(view: SlotView): number | undefined {
  const memRefBytes = maxFinite(view.memBytes);
  const presentCpu = countFinite(view.cpuCores);
  return Number.isFinite(memRefBytes) &&
    presentCpu >= MIN_PRESENT_FRACTION * SLOTS_PER_DAY
    ? memRefBytes
    : undefined;
}

/** `view` must cover exactly the INPUT_SLOTS slots before `nowS`. Undefined when too little data. */
export function buildModelInput(view: SlotView): ModelInput | undefined {
  if (view.cpuCores.length !== INPUT_SLOTS) {
    throw new RangeError(
      `model input needs ${INPUT_SLOTS} slots, got ${view.cpuCores.length}`,
    );
  }
  const memRefBytes = inputMemReference(view);
  if (memRefBytes === undefined) return undefined;
  const cpuRefCores = cpuReference(view.cpuCores);
  const features = new Float32Array(SEQ_HOURS * FEATURE_COUNT);
  const calendar = calendarFeatures(view.firstSlot);
  const out = { features, row: 0, memRef: memRefBytes, cpuRef: cpuRefCores };
  for (let b = 0; b < SEQ_HOURS; b++) {
    out.row = b * FEATURE_COUNT;
    writeBlockFeatures(view, b, out);
    features.set(
      calendar.subarray(b * CALENDAR_COLUMNS, (b + 1) * CALENDAR_COLUMNS),
      out.row + 4,
    );
  }
  return { features, memRefBytes, cpuRefCores };
}

function clipTarget(logRatio: number): number {
  return Math.min(Math.max(logRatio, -TARGET_CLIP), TARGET_CLIP);
}

/** Training/validation targets from the HORIZON_SLOTS slots after `nowS`; undefined when mostly missing. */
export function buildTargets(
  next: SlotView,
  input: ModelInput,
): [number, number] | undefined {
  const minPresent = MIN_PRESENT_FRACTION * HORIZON_SLOTS;
  if (
    countFinite(next.memBytes) < minPresent ||
    countFinite(next.cpuCores) < minPresent
  )
    return undefined;
  const memMax = maxFinite(next.memBytes);
  const cpuP95 = quantileOf(next.cpuCores, 0.95);
  return [
    clipTarget(Math.log(memMax / input.memRefBytes)),
    clipTarget(Math.log(Math.max(cpuP95, 1e-12) / input.cpuRefCores)),
  ];
}

function countFinite(values: Float64Array): number {
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) n++;
  return n;
}
