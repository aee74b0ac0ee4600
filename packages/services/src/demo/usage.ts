import type { DemoContainer } from "./catalog";

const DEMO_STEP_SECONDS = 300;
const SAMPLES_PER_STEP = 30;

export type DemoRollup = {
  bucket: Date;
  sampleCount: number;
  cpuUsageCoresAvg: number;
  cpuUsageCoresMax: number;
  cpuThrottledPeriodsSum: number;
  cpuThrottledSecondsSum: number;
  memoryWorkingSetBytesAvg: number;
  memoryWorkingSetBytesMax: number;
  memoryRssBytesMax: number;
  oomKillCountSum: number;
};

function diurnal(at: Date): number {
  const hour = at.getUTCHours() + at.getUTCMinutes() / 60;
  const weekend = at.getUTCDay() === 0 || at.getUTCDay() === 6 ? 0.7 : 1;
  return weekend * (1 + 0.5 * Math.sin((2 * Math.PI * (hour - 9)) / 24));
}

// The seeded "recent" spike sits at 3x the weekday peak, so it stands out whatever the hour or weekday
// of the seed's `end` (a spike relative to a night or weekend trough did not always pass the detector).
const RECENT_SPIKE_FACTOR = 3 * 1.5;

function spikyFactor(at: Date, rng: () => number, recent: boolean): number {
  if (recent) return RECENT_SPIKE_FACTOR;
  return diurnal(at) * (rng() < 0.02 ? 3 : 1);
}

function cpuFactor(
  container: DemoContainer,
  at: Date,
  {
    progress,
    rng,
    recent,
  }: { progress: number; rng: () => number; recent: boolean },
): number {
  switch (container.shape) {
    case "flat":
      return 1;
    case "batch": {
      const hour = at.getUTCHours();
      return hour >= 1 && hour < 3 ? 3.5 : 0.25;
    }
    case "spiky":
      return spikyFactor(at, rng, recent);
    case "leak":
    case "near-oom":
    case "diurnal":
      return diurnal(at) * (0.95 + 0.1 * progress);
  }
}

const HOUR_MS = 3_600_000;

function memoryFactor(container: DemoContainer, msBeforeEnd: number): number {
  if (container.shape === "leak") {
    // Sawtooth: grows ~60 % per day and restarts daily; the last restart was 18 h before `end`.
    const sinceRestartMs =
      (((18 * HOUR_MS - msBeforeEnd) % (24 * HOUR_MS)) + 24 * HOUR_MS) %
      (24 * HOUR_MS);
    return 0.8 + 0.6 * (sinceRestartMs / (24 * HOUR_MS));
  }
  if (container.shape === "near-oom") {
    // Creeps from 88 % to 98 % of the limit over the last 6 h, and stays there after `end`.
    const ramp = Math.min(1, Math.max(0, 1 - msBeforeEnd / (6 * HOUR_MS)));
    return (0.88 + 0.1 * ramp) / container.memoryUtilization;
  }
  return 1;
}

const floorToStep = (at: Date) =>
  Math.floor(at.getTime() / (DEMO_STEP_SECONDS * 1000)) *
  DEMO_STEP_SECONDS *
  1000;

/**
 * Deterministic 5-minute rollups for one container, oldest first, from `end` minus `days` (or from
 * `from`, when given) up to the bucket before `end`. The shapes
 * (the leak's daily restarts, the near-OOM ramp, the recent CPU spike, the slow CPU growth) are
 * drawn relative to `anchor` (default `end`): the seed's end. Rollups after the anchor continue
 * them, so a live demo keeps its leak and its OOM risk while the spike passes.
 */
export function generateDemoRollups(
  container: DemoContainer,
  {
    end,
    days,
    from,
    rng,
    anchor = end,
  }: ({ days: number; from?: undefined } | { from: Date; days?: undefined }) & {
    end: Date;
    rng: () => number;
    anchor?: Date;
  },
): DemoRollup[] {
  const endMs = floorToStep(end);
  const steps =
    from === undefined
      ? Math.floor((days * 86_400) / DEMO_STEP_SECONDS)
      : Math.max(0, (endMs - floorToStep(from)) / (DEMO_STEP_SECONDS * 1000));
  const anchorMs = floorToStep(anchor);
  const requestCores = container.cpuRequestMillicores / 1000;
  const limitCores =
    container.cpuLimitMillicores === null
      ? Number.POSITIVE_INFINITY
      : container.cpuLimitMillicores / 1000;
  const memoryCap = container.memoryLimitBytes ?? Number.POSITIVE_INFINITY;
  const rows: DemoRollup[] = [];
  for (let i = 0; i < steps; i++) {
    const bucket = new Date(endMs - (steps - i) * DEMO_STEP_SECONDS * 1000);
    const beforeAnchorMs = anchorMs - bucket.getTime();
    const progress = beforeAnchorMs <= 0 ? 1 : i / Math.max(1, steps - 1);
    const noise = 0.9 + 0.2 * rng();
    const cpuAvg = Math.min(
      limitCores,
      requestCores *
        container.cpuUtilization *
        cpuFactor(container, bucket, {
          progress,
          rng,
          recent: beforeAnchorMs > 0 && beforeAnchorMs <= 15 * 60_000,
        }) *
        noise,
    );
    const cpuMax = Math.min(limitCores, cpuAvg * (1.15 + 0.35 * rng()));
    const memoryAvg = Math.min(
      memoryCap,
      container.memoryRequestBytes *
        container.memoryUtilization *
        memoryFactor(container, beforeAnchorMs) *
        (0.97 + 0.06 * rng()),
    );
    const memoryMax = Math.min(
      memoryCap,
      Math.round(memoryAvg * (1.02 + 0.06 * rng())),
    );
    const throttled =
      Number.isFinite(limitCores) && cpuMax >= limitCores * 0.98;
    rows.push({
      bucket,
      sampleCount: SAMPLES_PER_STEP,
      cpuUsageCoresAvg: cpuAvg,
      cpuUsageCoresMax: cpuMax,
      cpuThrottledPeriodsSum: throttled
        ? Math.round(SAMPLES_PER_STEP * 10 * rng())
        : 0,
      cpuThrottledSecondsSum: throttled ? 0.5 * rng() : 0,
      memoryWorkingSetBytesAvg: memoryAvg,
      memoryWorkingSetBytesMax: memoryMax,
      memoryRssBytesMax: Math.round(memoryMax * 0.92),
      oomKillCountSum: 0,
    });
  }
  return rows;
}
