// CPU spike: a reading far above the seasonal baseline (same time of day on previous days, +-1 slot),
// measured as a robust z-score (median / MAD), with an absolute and relative floor against tiny noise.
export type CpuSpikeConfig = {
  seasonS: number;
  slotS: number;
  seasonsKept: number;
  minZ: number;
  minRatio: number;
  /** Smallest excess over the baseline that counts (cores, or the series' unit). */
  minExcess: number;
  minBaselinePoints: number;
};

export const CPU_SPIKE_DEFAULTS: CpuSpikeConfig = {
  seasonS: 86400,
  slotS: 300,
  seasonsKept: 7,
  minZ: 6,
  minRatio: 3,
  minExcess: 0.05,
  minBaselinePoints: 6,
};

export type CpuSpikeVerdict =
  | { spike: boolean; z: number; baseline: number }
  | { spike: false; reason: string };

/** Streaming detector: `check` judges a reading against earlier seasons, then remembers it. */
export class CpuSpikeDetector {
  private readonly slots = new Map<number, { t: number; v: number }[]>();
  private readonly recent: { t: number; v: number }[] = [];

  constructor(private readonly config: CpuSpikeConfig = CPU_SPIKE_DEFAULTS) {}

  check(timestampS: number, cpu: number): CpuSpikeVerdict {
    if (!Number.isFinite(cpu) || !Number.isFinite(timestampS))
      return { spike: false, reason: "missing reading" };
    const verdict = this.judge(timestampS, cpu);
    this.remember(timestampS, cpu);
    return verdict;
  }

  /** Remembers a reading without judging it (earlier history a caller needs no verdict for). */
  observe(timestampS: number, cpu: number): void {
    if (Number.isFinite(cpu) && Number.isFinite(timestampS))
      this.remember(timestampS, cpu);
  }

  private slotOf(timestampS: number): number {
    const { seasonS, slotS } = this.config;
    return Math.floor((((timestampS % seasonS) + seasonS) % seasonS) / slotS);
  }

  private baselineValues(timestampS: number): number[] {
    const { seasonS, slotS } = this.config;
    const slotCount = Math.ceil(seasonS / slotS);
    const slot = this.slotOf(timestampS);
    const values: number[] = [];
    for (const s of [slot - 1, slot, slot + 1]) {
      for (const e of this.slots.get((s + slotCount) % slotCount) ?? [])
        if (e.t <= timestampS - seasonS / 2) values.push(e.v);
    }
    // Until a season of history exists, fall back to the last hours.
    if (values.length < this.config.minBaselinePoints)
      for (const e of this.recent) values.push(e.v);
    return values;
  }

  private judge(timestampS: number, cpu: number): CpuSpikeVerdict {
    const values = this.baselineValues(timestampS);
    if (values.length < this.config.minBaselinePoints)
      return { spike: false, reason: "too little history for a baseline" };
    values.sort((a, b) => a - b);
    const median = medianOfSorted(values);
    const deviations = values
      .map((v) => Math.abs(v - median))
      .sort((a, b) => a - b);
    const scale = Math.max(
      1.4826 * medianOfSorted(deviations),
      0.1 * median,
      this.config.minExcess / 3,
    );
    const z = (cpu - median) / scale;
    const spike =
      z >= this.config.minZ &&
      cpu >= this.config.minRatio * median &&
      cpu - median >= this.config.minExcess;
    return { spike, z, baseline: median };
  }

  private remember(timestampS: number, cpu: number): void {
    const { seasonS, seasonsKept } = this.config;
    const slot = this.slotOf(timestampS);
    let entries = this.slots.get(slot);
    if (entries === undefined) {
      entries = [];
      this.slots.set(slot, entries);
    }
    entries.push({ t: timestampS, v: cpu });
    while (
      entries.length > 0 &&
      (entries[0]?.t ?? 0) < timestampS - seasonS * seasonsKept
    )
      entries.shift();
    this.recent.push({ t: timestampS, v: cpu });
    while (
      this.recent.length > 0 &&
      (this.recent[0]?.t ?? 0) < timestampS - 6 * 3600
    )
      this.recent.shift();
  }
}

function medianOfSorted(sorted: number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
