import { blockOfTimestamp, blockWindow } from "../policy/blocks";
import type { BlockPlan } from "../policy/blocks";
import { applyOomBump } from "../policy/resources";
import type { ResourceFloors } from "../policy/resources";
import type {
  Recommendation,
  RecommendationEvidence,
  ResourceValues,
  Restatement,
  WindowedValues,
} from "../recommender";
import type { Evidence } from "./evidence";
import {
  chooseMemoryLimit,
  confidenceAtLimit,
  explainConfidence,
  memoryCost,
} from "./memory-risk";
import type { ConfidenceModel } from "./memory-risk";
import type { CpuPlan } from "./plan-cpu";
import { RISK_LADDER } from "./plan-memory";
import type { MemoryPlan } from "./plan-memory";

export type Plan = {
  nowS: number;
  memory: MemoryPlan;
  cpu: CpuPlan;
  /** Per 4-hour block CPU levels and memory shape; undefined when history is too short. */
  blocks: BlockPlan | undefined;
  oomMemBytes: number | undefined;
  /** What the confidence model reads; undefined without a memory reading in the last 7 days. */
  evidence: Evidence | undefined;
};

export type AssembleContext = {
  floors: ResourceFloors;
  unitSystem: "real" | "normalized";
  cpuLimitFactor: number;
  blockWindows: boolean;
};

type Step = { index: number; confidence: number };

function memoryValues(
  plan: Plan,
  limitBytes: number,
  floors: { memBytes: number; recentPeakBytes: number; shape: number },
): Pick<ResourceValues, "memRequestBytes" | "memLimitBytes"> {
  const memLimitBytes = Math.max(
    limitBytes,
    floors.recentPeakBytes,
    floors.memBytes,
  );
  const requested = Math.max(
    plan.memory.medianBytes * floors.shape,
    floors.memBytes,
  );
  return { memLimitBytes, memRequestBytes: Math.min(memLimitBytes, requested) };
}

function cpuValues(
  cores: number,
  limitCores: number,
  floorCores: number,
): Pick<ResourceValues, "cpuRequestCores" | "cpuLimitCores"> {
  const cpuRequestCores = Math.max(cores, floorCores);
  return {
    cpuRequestCores,
    cpuLimitCores: Math.max(limitCores, cpuRequestCores),
  };
}

/** One window per 4-hour block: its own CPU quantile and a memory limit scaled by the block's worst share of a day's peak. */
function blockWindows(
  plan: Plan,
  blocks: BlockPlan,
  values: {
    dayLimitBytes: number;
    cpuScale: number;
    cpuLimitCores: number;
    ctx: AssembleContext;
  },
): WindowedValues[] {
  const nowBlock = blockOfTimestamp(plan.nowS);
  return blocks.cpuCores.map((cores, b) => {
    const shape = blocks.memShape[b] ?? 1;
    const recentPeakBytes = b === nowBlock ? plan.memory.recentPeakBytes : 0;
    return {
      window: blockWindow(b),
      values: {
        ...cpuValues(
          cores * values.cpuScale,
          values.cpuLimitCores,
          values.ctx.floors.cpuCores,
        ),
        ...memoryValues(plan, values.dayLimitBytes * shape, {
          memBytes: values.ctx.floors.memBytes,
          recentPeakBytes,
          shape,
        }),
      },
    };
  });
}

const MIN_BLOCK_GAIN = 0.1;

/** Windows cost operations (resizes at block edges); use them only where they cut CPU or memory by 10 %. */
function areBlocksWorthIt(blocks: BlockPlan, allCores: number): boolean {
  const meanCpu =
    blocks.cpuCores.reduce((a, v) => a + v, 0) / blocks.cpuCores.length;
  const meanShape =
    blocks.memShape.reduce((a, v) => a + v, 0) / blocks.memShape.length;
  return (
    meanCpu <= (1 - MIN_BLOCK_GAIN) * allCores ||
    meanShape <= 1 - MIN_BLOCK_GAIN
  );
}

function maxValues(windows: WindowedValues[]): ResourceValues {
  const pick = (f: (v: ResourceValues) => number): number =>
    Math.max(...windows.map((w) => f(w.values)));
  return {
    cpuRequestCores: pick((v) => v.cpuRequestCores),
    cpuLimitCores: pick((v) => v.cpuLimitCores ?? 0),
    memRequestBytes: pick((v) => v.memRequestBytes),
    memLimitBytes: pick((v) => v.memLimitBytes ?? 0),
  };
}

export function assembleRecommendation(
  plan: Plan,
  step: Step,
  ctx: AssembleContext,
): Recommendation {
  const { memory, cpu } = plan;
  const cpuScale = cpu.levelFactor;
  const dayLimitBytes = applyOomBump(
    memory.limitBytes(step.index),
    plan.oomMemBytes,
    ctx.unitSystem,
  );
  const cpuLimitCores = Math.max(
    cpu.peakCores *
      Math.max(
        ctx.cpuLimitFactor,
        RISK_LADDER[step.index]?.cpuLimitFactor ?? ctx.cpuLimitFactor,
      ),
    ctx.floors.cpuCores,
  );
  const useBlocks =
    ctx.blockWindows &&
    plan.blocks !== undefined &&
    areBlocksWorthIt(plan.blocks, cpu.allCores);
  const lowestCores = useBlocks
    ? Math.min(...(plan.blocks?.cpuCores ?? []))
    : cpu.windowPlan().baseCores;
  const bounds = {
    cpuLowerCores: cpuValues(
      lowestCores * cpuScale,
      cpuLimitCores,
      ctx.floors.cpuCores,
    ).cpuRequestCores,
    cpuUpperCores: cpuLimitCores,
    memLowerBytes: Math.max(memory.medianBytes, ctx.floors.memBytes),
    memUpperBytes: memory.limitBytes(RISK_LADDER.length - 1),
    cpuUncappedCores: cpu.allCores * cpuScale,
    memUncappedBytes: dayLimitBytes,
  };
  if (useBlocks && plan.blocks) {
    const windows = blockWindows(plan, plan.blocks, {
      dayLimitBytes,
      cpuScale,
      cpuLimitCores,
      ctx,
    });
    return {
      base: maxValues(windows),
      windows,
      confidence: step.confidence,
      bounds,
    };
  }
  const mem = memoryValues(plan, dayLimitBytes, {
    memBytes: ctx.floors.memBytes,
    recentPeakBytes: memory.recentPeakBytes,
    shape: 1,
  });
  const values = (cores: number): ResourceValues => ({
    ...cpuValues(cores * cpuScale, cpuLimitCores, ctx.floors.cpuCores),
    ...mem,
  });
  return {
    base: values(cpu.windowPlan().baseCores),
    windows: cpu.windowPlan().windows.map((w) => ({
      window: w.window,
      values: values(w.cpuCores),
    })),
    confidence: step.confidence,
    bounds,
  };
}

/** The risk-priced path: memory limit from the confidence model, no CPU limit (CPU is compressible). */
export function assembleRiskRecommendation(
  plan: Plan & { evidence: Evidence },
  knob: { riskWeight: number; cpuLevelFactor: number; cpuPenalty: number },
  ctx: AssembleContext & { model: ConfidenceModel },
): Recommendation {
  const { memory, cpu, evidence } = plan;
  const minBytes = Math.max(memory.recentPeakBytes, ctx.floors.memBytes);
  const choice = chooseMemoryLimit(evidence, ctx.model, {
    riskWeight: knob.riskWeight,
    minBytes,
  });
  const limitBytes = applyOomBump(
    choice.limitBytes,
    plan.oomMemBytes,
    ctx.unitSystem,
  );
  const confidence =
    limitBytes > choice.limitBytes
      ? confidenceAtLimit(evidence, ctx.model, limitBytes)
      : choice.confidence;
  const mem = memoryValues(plan, limitBytes, {
    memBytes: ctx.floors.memBytes,
    recentPeakBytes: memory.recentPeakBytes,
    shape: 1,
  });
  const cpuValue = (cores: number): number =>
    Math.max(cores * knob.cpuLevelFactor, ctx.floors.cpuCores);
  const values = (cores: number): ResourceValues => ({
    cpuRequestCores: cpuValue(cores),
    cpuLimitCores: null,
    ...mem,
  });
  const windowPlan = cpu.windowPlan();
  return {
    base: values(windowPlan.baseCores),
    windows: windowPlan.windows.map((w) => ({
      window: w.window,
      values: values(w.cpuCores),
    })),
    confidence,
    bounds: {
      cpuLowerCores: cpuValue(
        Math.min(
          windowPlan.baseCores,
          ...windowPlan.windows.map((w) => w.cpuCores),
        ),
      ),
      cpuUpperCores: Math.max(cpu.peakCores, cpuValue(windowPlan.baseCores)),
      memLowerBytes: Math.max(memory.medianBytes, ctx.floors.memBytes),
      memUpperBytes: evidence.memPeak7dBytes * choice.forecast.q99,
      cpuUncappedCores: cpu.allCores * knob.cpuLevelFactor,
      memUncappedBytes: limitBytes,
    },
    evidence: recordEvidence(plan, {
      riskWeight: knob.riskWeight,
      cpuPenalty: knob.cpuPenalty,
      modelProbability: choice.modelProbability,
      forecast: choice.forecast,
    }),
    factors: explainConfidence(evidence, ctx.model, limitBytes),
    reasons: [],
  };
}

function recordEvidence(
  plan: Plan & { evidence: Evidence },
  extra: {
    riskWeight: number;
    cpuPenalty: number;
    modelProbability: number;
    forecast: { median: number; q90: number; q99: number };
  },
): RecommendationEvidence {
  const e = plan.evidence;
  const round = (v: number, digits = 4): number | null =>
    Number.isFinite(v) ? Number(v.toFixed(digits)) : null;
  return {
    windowDays: 14,
    historyDays: e.historyDays,
    gapFraction: round(e.gapFraction),
    memPeak7dBytes: Math.round(e.memPeak7dBytes),
    memPeak1dBytes: round(e.memPeak1dBytes, 0),
    memPeak14dBytes: round(e.memPeak14dBytes, 0),
    memP95_1dBytes: round(e.memP95_1dBytes, 0),
    memVolatility: round(e.memVolatility),
    memNewHighDays: e.memNewHighDays,
    memNearMissDays: e.memNearMissDays,
    memTrendPerDay: round(e.memTrendPerDay),
    memMaxStepBytes: round(e.memMaxStepBytes, 0),
    memMaxHourJumpBytes: round(e.memMaxHourJumpBytes, 0),
    memP99_7dBytes: round(e.memP99_7dBytes, 0),
    cpuPeak7dCores: round(e.cpuPeak7dCores),
    cpuP95_7dCores: round(e.cpuP95_7dCores),
    memoryModel: plan.memory.model,
    cpuModel: plan.cpu.model,
    cpuWindows: plan.cpu.windowPlan().windows.length,
    forecastPeakMedian: round(extra.forecast.median),
    forecastPeakQ90: round(extra.forecast.q90),
    forecastPeakQ99: round(extra.forecast.q99),
    oomMemBytes:
      plan.oomMemBytes === undefined ? null : Math.round(plan.oomMemBytes),
    riskWeight: extra.riskWeight,
    cpuPenalty: extra.cpuPenalty,
    modelProbability: round(extra.modelProbability),
  };
}

const effectiveLimit = (v: ResourceValues): number =>
  v.memLimitBytes ?? v.memRequestBytes;

/**
 * Today's confidence (and its factors) for published values' memory limit, and, given the fresh
 * recommendation, the regret of keeping them: their priced cost minus the fresh limit's.
 */
export function restateValues(
  published: ResourceValues,
  context: {
    evidence: Evidence;
    model: ConfidenceModel;
    fresh?: Recommendation;
  },
): Restatement {
  const { evidence, model, fresh } = context;
  const limitBytes = effectiveLimit(published);
  const riskWeight = fresh?.evidence?.riskWeight;
  const cost = (l: number): number =>
    memoryCost(evidence, model, {
      limitBytes: l,
      riskWeight: typeof riskWeight === "number" ? riskWeight : 0,
    });
  return {
    confidence: confidenceAtLimit(evidence, model, limitBytes),
    factors: explainConfidence(evidence, model, limitBytes),
    ...(fresh && typeof riskWeight === "number"
      ? {
          memoryRegret: cost(limitBytes) - cost(effectiveLimit(fresh.base)),
        }
      : {}),
  };
}
