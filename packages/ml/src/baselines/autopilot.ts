// Google Autopilot moving-window recommender (Rzadca et al., EuroSys '20; notes §2.4): load-adjusted
// decaying histograms (CPU half-life 12 h, memory 48 h), memory statistic by OOM tolerance,
// safety margin, then the max of the recommendations over the last hour.
import type {
  Recommender,
  RecommenderContext,
  RecommenderSession,
  RecommendResult,
  UsageChunk,
} from "../recommender";
import type { HistogramOptions } from "../stats/exponential-histogram";
import {
  createExponentialHistogramOptions,
  DecayingHistogram,
} from "../stats/exponential-histogram";
import { insufficientHistory, SampleCursor } from "./sample-stream";

export type OomTolerance = "low" | "intermediate" | "minimal";

export type AutopilotConfig = {
  cpuHalfLifeS: number;
  memHalfLifeS: number;
  /** Serving jobs: p95 (latency-sensitive) or p90. */
  cpuPercentile: number;
  oomTolerance: OomTolerance;
  /** Paper: "+10-15 %". */
  safetyMarginFraction: number;
  smoothingWindowS: number;
  /** N of S_max, the peak over the last N samples (the paper leaves N open): here a duration. */
  peakWindowS: number;
};

export const AUTOPILOT_DEFAULTS: AutopilotConfig = {
  cpuHalfLifeS: 12 * 3600,
  memHalfLifeS: 48 * 3600,
  cpuPercentile: 0.95,
  oomTolerance: "low",
  safetyMarginFraction: 0.15,
  smoothingWindowS: 3600,
  peakWindowS: 24 * 3600,
};

// The paper uses ~400 buckets; 5 % exponential buckets give a comparable relative resolution.
function histogramOptions(ctx: RecommenderContext): HistogramOptions {
  return ctx.unitSystem === "normalized"
    ? createExponentialHistogramOptions({
        maxValue: 1,
        firstBucketSize: 1e-6,
        ratio: 1.05,
        epsilon: 1e-12,
      })
    : createExponentialHistogramOptions({
        maxValue: 1e13,
        firstBucketSize: 1e-3,
        ratio: 1.05,
        epsilon: 1e-12,
      });
}

type Sample = { t: number; cpu: number; mem: number };

class AutopilotSession implements RecommenderSession {
  private readonly cursor = new SampleCursor();
  private readonly cpu: DecayingHistogram;
  private readonly mem: DecayingHistogram;
  private recent: Sample[] = [];
  private validCpu = 0;
  private validMem = 0;

  constructor(
    ctx: RecommenderContext,
    private readonly config: AutopilotConfig,
  ) {
    const options = histogramOptions(ctx);
    this.cpu = new DecayingHistogram(options, config.cpuHalfLifeS);
    this.mem = new DecayingHistogram(options, config.memHalfLifeS);
  }

  observe(chunk: UsageChunk): void {
    this.cursor.forEach(chunk, (t, cpu, mem) => {
      // Load-adjusted: a bucket counts by the usage in it (b[k] * weight), not by the number of samples.
      if (!Number.isNaN(cpu)) {
        this.cpu.addSample(cpu, cpu, t);
        this.validCpu++;
      }
      if (!Number.isNaN(mem)) {
        this.mem.addSample(mem, mem, t);
        this.validMem++;
      }
      this.recent.push({ t, cpu, mem });
    });
    const keepFromS =
      this.cursor.lastTimestampS -
      Math.max(this.config.peakWindowS, this.config.smoothingWindowS);
    if (this.recent.length > 0 && (this.recent[0]?.t ?? 0) <= keepFromS)
      this.recent = this.recent.filter((s) => s.t > keepFromS);
  }

  recommend(nowS: number): RecommendResult {
    return (
      this.recommendAll(nowS, [
        {
          cpuPercentile: this.config.cpuPercentile,
          oomTolerance: this.config.oomTolerance,
          safetyMarginFraction: this.config.safetyMarginFraction,
        },
      ])[0] ?? insufficientHistory("autopilot: no knob setting")
    );
  }

  /** One recommendation per knob setting, from the same histograms (bench:frontier's sweep). */
  recommendAll(
    nowS: number,
    knobs: readonly AutopilotSweepKnobs[],
  ): RecommendResult[] {
    if (this.validCpu === 0 || this.validMem === 0) {
      const reason = `autopilot needs valid CPU and memory samples (cpu: ${this.validCpu}, memory: ${this.validMem})`;
      return knobs.map(() => insufficientHistory(reason));
    }
    // Recommendations as they stood after each sample of the last hour: peel samples off newest first.
    const lastHour = this.recent.filter(
      (s) => s.t > nowS - this.config.smoothingWindowS && s.t <= nowS,
    );
    const cpuRec = knobs.map((k) => this.rawCpu(k.cpuPercentile));
    const memRec = knobs.map((k) => this.rawMem(nowS, k.oomTolerance));
    for (let i = lastHour.length - 1; i > 0; i--) {
      this.toggle(lastHour[i], -1);
      const at = lastHour[i - 1]?.t ?? nowS;
      knobs.forEach((k, j) => {
        cpuRec[j] = Math.max(cpuRec[j] ?? 0, this.rawCpu(k.cpuPercentile));
        memRec[j] = Math.max(memRec[j] ?? 0, this.rawMem(at, k.oomTolerance));
      });
    }
    for (let i = 1; i < lastHour.length; i++) this.toggle(lastHour[i], 1);
    return knobs.map((k, j) => {
      const margin = 1 + k.safetyMarginFraction;
      const mem = (memRec[j] ?? 0) * margin;
      return {
        kind: "ok",
        recommendation: {
          // Borg limits are reservations: memory is enforced, CPU is not capped.
          base: {
            cpuRequestCores: (cpuRec[j] ?? 0) * margin,
            cpuLimitCores: null,
            memRequestBytes: mem,
            memLimitBytes: mem,
          },
          windows: [],
          confidence: null,
        },
      };
    });
  }

  private toggle(sample: Sample | undefined, sign: 1 | -1): void {
    if (sample === undefined) return;
    const apply = (h: DecayingHistogram, v: number): void => {
      if (Number.isNaN(v)) return;
      if (sign > 0) h.addSample(v, v, sample.t);
      else h.subtractSample(v, v, sample.t);
    };
    apply(this.cpu, sample.cpu);
    apply(this.mem, sample.mem);
  }

  private rawCpu(percentile: number): number {
    return this.cpu.percentile(percentile);
  }

  private rawMem(atS: number, tolerance: OomTolerance): number {
    switch (tolerance) {
      case "low":
        return this.mem.percentile(0.98);
      case "minimal":
        return this.peak(atS);
      case "intermediate":
        return Math.max(this.mem.percentile(0.6), 0.5 * this.peak(atS));
    }
  }

  private peak(atS: number): number {
    let best = 0;
    for (const s of this.recent)
      if (s.t > atS - this.config.peakWindowS && s.t <= atS && s.mem > best)
        best = s.mem;
    return best;
  }
}

export type AutopilotSweepKnobs = Pick<
  AutopilotConfig,
  "cpuPercentile" | "oomTolerance" | "safetyMarginFraction"
>;

/** One moving-window session answering for several knob settings at once (bench:frontier's sweep). */
export function startAutopilotSweep(
  ctx: RecommenderContext,
  knobs: readonly AutopilotSweepKnobs[],
): RecommenderSession & { recommendAll(nowS: number): RecommendResult[] } {
  const session = new AutopilotSession(ctx, AUTOPILOT_DEFAULTS);
  return {
    observe: (chunk) => session.observe(chunk),
    recommend: (nowS) => session.recommend(nowS),
    recommendAll: (nowS) => session.recommendAll(nowS, knobs),
  };
}

export function createAutopilotRecommender(
  config: Partial<AutopilotConfig> = {},
): Recommender {
  const full = { ...AUTOPILOT_DEFAULTS, ...config };
  return { name: "autopilot", start: (ctx) => new AutopilotSession(ctx, full) };
}
