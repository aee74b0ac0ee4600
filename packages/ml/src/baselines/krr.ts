// Robusta KRR `simple` strategy (notes/peers-and-algorithms.md §2.2): CPU request = p95, no CPU limit,
// memory request = limit = max + 15 %, over 14 days; "not enough data" below 100 points or 3 h.
import type {
  Recommender,
  RecommenderContext,
  RecommenderSession,
  RecommendResult,
  UsageChunk,
} from "../recommender";
import { maxFinite, quantileOf } from "../stats/quantile";
import {
  insufficientHistory,
  MIB,
  roundUpTo,
  SampleCursor,
} from "./sample-stream";

export type KrrConfig = {
  historyDurationS: number;
  cpuPercentile: number;
  memoryBufferFraction: number;
  pointsRequired: number;
  minHistorySpanS: number;
  cpuMinCores: number;
  memoryMinBytes: number;
};

export const KRR_DEFAULTS: KrrConfig = {
  historyDurationS: 14 * 24 * 3600,
  cpuPercentile: 0.95,
  memoryBufferFraction: 0.15,
  pointsRequired: 100,
  minHistorySpanS: 3 * 3600,
  cpuMinCores: 0.01,
  memoryMinBytes: 100 * MIB,
};

/** Append-only time window of samples with cheap pruning from the front. */
class SampleWindow {
  private t: number[] = [];
  private cpu: number[] = [];
  private mem: number[] = [];
  private head = 0;

  push(timestampS: number, cpu: number, mem: number): void {
    this.t.push(timestampS);
    this.cpu.push(cpu);
    this.mem.push(mem);
  }

  /** Index of the first sample with timestamp > fromS (within the kept part). */
  startAfter(fromS: number): number {
    let lo = this.head;
    let hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.t[mid] ?? 0) > fromS) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  prune(beforeS: number): void {
    this.head = this.startAfter(beforeS);
    if (this.head > 4096 && this.head > this.t.length / 2) {
      this.t = this.t.slice(this.head);
      this.cpu = this.cpu.slice(this.head);
      this.mem = this.mem.slice(this.head);
      this.head = 0;
    }
  }

  view(
    fromS: number,
    toS: number,
  ): { t: number[]; cpu: number[]; mem: number[]; start: number; end: number } {
    return {
      t: this.t,
      cpu: this.cpu,
      mem: this.mem,
      start: this.startAfter(fromS),
      end: this.startAfter(toS),
    };
  }
}

class KrrSession implements RecommenderSession {
  private readonly cursor = new SampleCursor();
  private readonly window = new SampleWindow();

  constructor(
    private readonly ctx: RecommenderContext,
    private readonly config: KrrConfig,
  ) {}

  observe(chunk: UsageChunk): void {
    this.cursor.forEach(chunk, (t, cpu, mem) => this.window.push(t, cpu, mem));
    this.window.prune(
      this.cursor.lastTimestampS - this.config.historyDurationS,
    );
  }

  recommend(nowS: number): RecommendResult {
    return this.recommendFor(nowS, this.config);
  }

  /** The recommendation with another CPU percentile / memory buffer on the same window (bench:frontier). */
  recommendFor(
    nowS: number,
    knobs: Pick<KrrConfig, "cpuPercentile" | "memoryBufferFraction">,
  ): RecommendResult {
    const { t, cpu, mem, start, end } = this.window.view(
      nowS - this.config.historyDurationS,
      nowS,
    );
    const cpuP = quantileOf(cpu, knobs.cpuPercentile, { start, end });
    const memMax = maxFinite(mem, start, end);
    const points = countFinite(cpu, start, end);
    const spanS = end > start ? (t[end - 1] ?? 0) - (t[start] ?? 0) : 0;
    if (
      points < this.config.pointsRequired ||
      spanS < this.config.minHistorySpanS ||
      Number.isNaN(memMax)
    ) {
      return insufficientHistory(
        `krr needs >= ${this.config.pointsRequired} CPU points over >= ${this.config.minHistorySpanS / 3600} h and a memory reading (has ${points} points over ${(spanS / 3600).toFixed(1)} h)`,
        Math.min(
          points / this.config.pointsRequired,
          spanS / this.config.minHistorySpanS,
          1,
        ) * 0.1,
      );
    }
    const normalized = this.ctx.unitSystem === "normalized";
    const memWithBuffer = memMax * (1 + knobs.memoryBufferFraction);
    const cpuRequestCores = normalized
      ? cpuP
      : roundUpTo(Math.max(cpuP, this.config.cpuMinCores), 0.001);
    const memBytes = normalized
      ? memWithBuffer
      : roundUpTo(Math.max(memWithBuffer, this.config.memoryMinBytes), MIB);
    return {
      kind: "ok",
      recommendation: {
        base: {
          cpuRequestCores,
          cpuLimitCores: null,
          memRequestBytes: memBytes,
          memLimitBytes: memBytes,
        },
        windows: [],
        confidence: null,
      },
    };
  }
}

function countFinite(values: number[], start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (Number.isFinite(values[i])) n++;
  return n;
}

export type KrrSweepKnobs = Pick<
  KrrConfig,
  "cpuPercentile" | "memoryBufferFraction"
>;

/** One KRR session answering for several knob settings at once (bench:frontier's sweep). */
export function startKrrSweep(
  ctx: RecommenderContext,
  knobs: readonly KrrSweepKnobs[],
): RecommenderSession & { recommendAll(nowS: number): RecommendResult[] } {
  const session = new KrrSession(ctx, KRR_DEFAULTS);
  return {
    observe: (chunk) => session.observe(chunk),
    recommend: (nowS) => session.recommend(nowS),
    recommendAll: (nowS) => knobs.map((k) => session.recommendFor(nowS, k)),
  };
}

export function createKrrRecommender(
  config: Partial<KrrConfig> = {},
): Recommender {
  const full = { ...KRR_DEFAULTS, ...config };
  return { name: "krr", start: (ctx) => new KrrSession(ctx, full) };
}
