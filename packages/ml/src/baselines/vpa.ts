// Faithful re-implementation of the Kubernetes VPA recommender (parameters: notes/peers-and-algorithms.md §2.1).
import type {
  Recommender,
  RecommenderContext,
  RecommenderSession,
  RecommendResult,
} from "../recommender";
import {
  createExponentialHistogramOptions,
  DecayingHistogram,
} from "../stats/exponential-histogram";
import {
  insufficientHistory,
  MIB,
  roundUpTo,
  SampleCursor,
} from "./sample-stream";

export type VpaConfig = {
  cpuHalfLifeS: number;
  memHalfLifeS: number;
  cpuPercentiles: { lower: number; target: number; upper: number };
  memPercentiles: { lower: number; target: number; upper: number };
  marginFraction: number;
  memAggregationIntervalS: number;
  memAggregationIntervalCount: number;
  podMinCpuCores: number;
  podMinMemBytes: number;
  oomBumpUpRatio: number;
  oomMinBumpUpBytes: number;
};

export const VPA_DEFAULTS: VpaConfig = {
  cpuHalfLifeS: 24 * 3600,
  memHalfLifeS: 24 * 3600,
  cpuPercentiles: { lower: 0.5, target: 0.9, upper: 0.95 },
  memPercentiles: { lower: 0.5, target: 0.9, upper: 0.95 },
  marginFraction: 0.15,
  memAggregationIntervalS: 24 * 3600,
  memAggregationIntervalCount: 8,
  podMinCpuCores: 0.025,
  podMinMemBytes: 250 * MIB,
  oomBumpUpRatio: 1.2,
  oomMinBumpUpBytes: 100 * MIB,
};

// VPA: CPU max 1000 cores / first bucket 0.01 core; memory max 1e12 B / first bucket 1e7 B; 5 % growth.
const REAL_HISTOGRAMS = {
  cpu: createExponentialHistogramOptions({
    maxValue: 1000,
    firstBucketSize: 0.01,
    ratio: 1.05,
    epsilon: 1e-4,
  }),
  mem: createExponentialHistogramOptions({
    maxValue: 1e12,
    firstBucketSize: 1e7,
    ratio: 1.05,
    epsilon: 1e-4,
  }),
};
// Normalized units (Google NCU/NMU, values ~1e-3): same 5 % growth, first bucket small enough to resolve them.
const NORMALIZED_HISTOGRAMS = {
  cpu: createExponentialHistogramOptions({
    maxValue: 1,
    firstBucketSize: 1e-6,
    ratio: 1.05,
    epsilon: 1e-4,
  }),
  mem: createExponentialHistogramOptions({
    maxValue: 1,
    firstBucketSize: 1e-6,
    ratio: 1.05,
    epsilon: 1e-4,
  }),
};

type Peak = { value: number; timestampS: number };

class VpaSession implements RecommenderSession {
  private readonly cursor = new SampleCursor();
  private readonly cpu: DecayingHistogram;
  private readonly mem: DecayingHistogram;
  private readonly peaks: Peak[] = [];
  private windowEndS = Number.NaN;
  private memoryPeak = 0;
  private cpuSamples = 0;
  private lastMemS = Number.NaN;

  constructor(
    private readonly ctx: RecommenderContext,
    private readonly config: VpaConfig,
  ) {
    const options =
      ctx.unitSystem === "normalized" ? NORMALIZED_HISTOGRAMS : REAL_HISTOGRAMS;
    this.cpu = new DecayingHistogram(options.cpu, config.cpuHalfLifeS);
    this.mem = new DecayingHistogram(options.mem, config.memHalfLifeS);
  }

  observe(chunk: Parameters<RecommenderSession["observe"]>[0]): void {
    this.cursor.forEach(chunk, (t, cpu, mem) => {
      // VPA weighs CPU samples by max(request, 0.1 core); the request is constant here, so weight 1 is equivalent.
      if (!Number.isNaN(cpu)) {
        this.cpu.addSample(cpu, 1, t);
        this.cpuSamples++;
      }
      if (!Number.isNaN(mem)) this.addMemorySample(t, mem);
    });
  }

  observeOom(timestampS: number): void {
    if (
      Number.isNaN(this.windowEndS) ||
      timestampS < this.windowEndS - this.config.memAggregationIntervalS
    )
      return;
    const minBump =
      this.ctx.unitSystem === "normalized" ? 0 : this.config.oomMinBumpUpBytes;
    const used = this.memoryPeak;
    this.addMemorySample(
      timestampS,
      Math.max(used + minBump, used * this.config.oomBumpUpRatio),
      true,
    );
  }

  private addMemorySample(t: number, value: number, isOom = false): void {
    if (!isOom && t < this.lastMemS) return;
    this.lastMemS = Math.max(
      t,
      Number.isNaN(this.lastMemS) ? t : this.lastMemS,
    );
    const interval = this.config.memAggregationIntervalS;
    if (Number.isNaN(this.windowEndS)) this.windowEndS = t;
    if (t < this.windowEndS) {
      if (!(this.memoryPeak !== 0 && value > this.memoryPeak)) return;
      this.mem.subtractSample(this.memoryPeak, 1, this.windowEndS);
      this.peaks.pop();
    } else {
      this.windowEndS +=
        Math.floor((t - this.windowEndS) / interval) * interval + interval;
      this.expirePeaks();
    }
    this.mem.addSample(value, 1, this.windowEndS);
    this.peaks.push({ value, timestampS: this.windowEndS });
    this.memoryPeak = value;
  }

  // Peaks older than interval x count (8 days) leave the histogram.
  private expirePeaks(): void {
    const horizonS =
      this.windowEndS -
      this.config.memAggregationIntervalS *
        this.config.memAggregationIntervalCount;
    while (
      this.peaks.length > 0 &&
      (this.peaks[0]?.timestampS ?? Infinity) <= horizonS
    ) {
      const old = this.peaks.shift();
      if (old) this.mem.subtractSample(old.value, 1, old.timestampS);
    }
  }

  recommend(nowS: number): RecommendResult {
    return this.recommendFor(nowS, this.config);
  }

  /** The recommendation with other percentiles / margin on the same histograms (bench:frontier's knob sweep). */
  recommendFor(
    nowS: number,
    knobs: Pick<
      VpaConfig,
      "cpuPercentiles" | "memPercentiles" | "marginFraction"
    >,
  ): RecommendResult {
    if (this.cpuSamples === 0 || this.peaks.length === 0) {
      return insufficientHistory(
        `vpa needs at least one valid CPU and memory sample (cpu samples: ${this.cpuSamples}, memory peaks: ${this.peaks.length})`,
      );
    }
    const confidenceDays = this.confidenceDays(nowS);
    const upperMultiplier = 1 + 1 / confidenceDays;
    const lowerMultiplier = Math.pow(1 + 0.001 / confidenceDays, -2);
    const { marginFraction, cpuPercentiles: cp, memPercentiles: mp } = knobs;
    const withMargin = (v: number): number => v * (1 + marginFraction);
    const cpu = {
      lower: withMargin(this.cpu.percentile(cp.lower)) * lowerMultiplier,
      target: withMargin(this.cpu.percentile(cp.target)),
      upper: withMargin(this.cpu.percentile(cp.upper)) * upperMultiplier,
    };
    const mem = {
      lower: withMargin(this.mem.percentile(mp.lower)) * lowerMultiplier,
      target: withMargin(this.mem.percentile(mp.target)),
      upper: withMargin(this.mem.percentile(mp.upper)) * upperMultiplier,
    };
    const cpuCores = (v: number): number => this.finishCpu(v);
    const memBytes = (v: number): number => this.finishMem(v);
    const cpuTarget = cpuCores(cpu.target);
    const memTarget = memBytes(mem.target);
    return {
      kind: "ok",
      recommendation: {
        // RequestsAndLimits keeps the workload's limit:request ratio; the traces provision limit = request.
        base: {
          cpuRequestCores: cpuTarget,
          cpuLimitCores: cpuTarget,
          memRequestBytes: memTarget,
          memLimitBytes: memTarget,
        },
        windows: [],
        confidence: null,
        bounds: {
          cpuLowerCores: cpuCores(cpu.lower),
          cpuUpperCores: cpuCores(cpu.upper),
          memLowerBytes: memBytes(mem.lower),
          memUpperBytes: memBytes(mem.upper),
          cpuUncappedCores: cpu.target,
          memUncappedBytes: mem.target,
        },
      },
    };
  }

  /** VPA: min(lifespan days, samples / samples-per-day), samples-per-day from the real interval, not 1/min. */
  private confidenceDays(nowS: number): number {
    const lifespanDays =
      (Math.min(nowS, this.cursor.lastTimestampS) -
        this.cursor.firstTimestampS) /
      86400;
    const sampleDays = (this.cpuSamples * this.ctx.sampleIntervalS) / 86400;
    return Math.max(Math.min(lifespanDays, sampleDays), 1e-9);
  }

  private finishCpu(v: number): number {
    if (this.ctx.unitSystem === "normalized") return v;
    return roundUpTo(Math.max(v, this.config.podMinCpuCores), 0.001);
  }

  private finishMem(v: number): number {
    if (this.ctx.unitSystem === "normalized") return v;
    return Math.ceil(Math.max(v, this.config.podMinMemBytes));
  }
}

export type VpaSweepKnobs = Pick<
  VpaConfig,
  "cpuPercentiles" | "memPercentiles" | "marginFraction"
>;

/** One VPA session answering for several knob settings at once (same histograms, other percentiles / margin). */
export function startVpaSweep(
  ctx: RecommenderContext,
  knobs: readonly VpaSweepKnobs[],
): RecommenderSession & { recommendAll(nowS: number): RecommendResult[] } {
  const session = new VpaSession(ctx, VPA_DEFAULTS);
  return {
    observe: (chunk) => session.observe(chunk),
    observeOom: (t) => session.observeOom(t),
    recommend: (nowS) => session.recommend(nowS),
    recommendAll: (nowS) => knobs.map((k) => session.recommendFor(nowS, k)),
  };
}

export function createVpaRecommender(
  config: Partial<VpaConfig> = {},
): Recommender {
  const full = { ...VPA_DEFAULTS, ...config };
  return { name: "vpa", start: (ctx) => new VpaSession(ctx, full) };
}
