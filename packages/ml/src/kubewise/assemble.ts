import { blockOfTimestamp, blockWindow } from "../policy/blocks";
import type { BlockPlan } from "../policy/blocks";
import { applyOomBump } from "../policy/resources";
import type { ResourceFloors } from "../policy/resources";
import type {
  Recommendation,
  ResourceValues,
  WindowedValues,
} from "../recommender";
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
