// One container's history and the plan the Kubewise recommender assembles its values from: memory
// model choice, CPU request choice, evidence, OOM memory. The plan of the last instant is kept, so the
// session's recommend / recommendForKnobs / restate at one instant share it.
import { INPUT_SLOTS } from "../features/model-input";
import {
  createSlotHistory,
  slotOf,
  SLOTS_PER_DAY,
} from "../features/slot-history";
import type { SlotHistory } from "../features/slot-history";
import { planBlocks } from "../policy/blocks";
import type { RecommendResult, UsageChunk } from "../recommender";
import type { Plan } from "./assemble";
import { gatherEvidence } from "./evidence";
import { createForecastCache } from "./forecasts";
import type { ForecastFn } from "./forecasts";
import { planCpu } from "./plan-cpu";
import type { CpuPlanOptions } from "./plan-cpu";
import { planMemory } from "./plan-memory";
import type { MemoryModel } from "./plan-memory";

export type PlannerOptions = CpuPlanOptions & {
  forecast: ForecastFn;
  memoryModels?: readonly MemoryModel[];
  challengerHandicap?: number;
  blockWindows: boolean;
};

export type Insufficient = Extract<
  RecommendResult,
  { kind: "insufficient-history" }
>;

export type Planner = {
  observe(chunk: UsageChunk): void;
  observeOom(timestampS: number): void;
  /** The plan at `nowS` (cached for the last instant asked). */
  planAt(nowS: number): Plan | Insufficient;
};

const BLOCK_HISTORY_DAYS = 7;
const RETENTION_SLOTS = 15 * SLOTS_PER_DAY;
const MIN_HISTORY_SLOTS = SLOTS_PER_DAY / 2;
const OOM_MEMORY_DAYS = 7;

export function insufficient(reason: string): Insufficient {
  return { kind: "insufficient-history", reason, confidence: 0 };
}

function countValid(history: SlotHistory, from: number, to: number): number {
  const view = history.view(from, to);
  let n = 0;
  for (let k = 0; k < view.cpuCores.length; k++)
    if (
      Number.isFinite(view.cpuCores[k] ?? Number.NaN) &&
      Number.isFinite(view.memBytes[k] ?? Number.NaN)
    )
      n++;
  return n;
}

/** Sample indices in time order; the contract promises sorted chunks, but agents replaying buffers may not. */
function chronologicalOrder(chunk: UsageChunk): number[] {
  const n = Math.min(
    chunk.timestampsS.length,
    chunk.cpuCores.length,
    chunk.memBytes.length,
  );
  // A plain loop: Array.from with a mapper costs ~4x more, once per observed chunk.
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++)
    sorted = (chunk.timestampsS[i - 1] ?? 0) <= (chunk.timestampsS[i] ?? 0);
  return sorted
    ? order
    : order.sort(
        (a, b) => (chunk.timestampsS[a] ?? 0) - (chunk.timestampsS[b] ?? 0),
      );
}

/** The highest memory reading around the OOM kills of the last 7 days (what VPA's bump starts from). */
function latestOomMemory(
  history: SlotHistory,
  oomTimes: readonly number[],
  nowS: number,
): number | undefined {
  const recent = oomTimes.filter(
    (t) => t <= nowS && t > nowS - OOM_MEMORY_DAYS * 86_400,
  );
  if (recent.length === 0) return undefined;
  let peak = Number.NaN;
  for (const t of recent) {
    const s = slotOf(t);
    for (const v of history.view(s - 1, s + 1).memBytes)
      if (Number.isFinite(v) && !(peak >= v)) peak = v;
  }
  return Number.isFinite(peak) ? peak : undefined;
}

export function createPlanner(options: PlannerOptions): Planner {
  const history = createSlotHistory({ retentionSlots: RETENTION_SLOTS });
  const forecastAt = createForecastCache(history, options.forecast);
  const ooms: number[] = [];
  let cached: { nowS: number; plan: Plan | Insufficient } | null = null;

  function computePlan(nowS: number): Plan | Insufficient {
    const nowSlot = slotOf(nowS);
    const valid = countValid(history, nowSlot - RETENTION_SLOTS, nowSlot);
    if (valid < MIN_HISTORY_SLOTS)
      return insufficient(
        `need ${MIN_HISTORY_SLOTS * 5} min of CPU and memory readings before ${nowS}, have ${valid * 5} min`,
      );
    const memory = planMemory(history, nowSlot, {
      forecastAt,
      candidates: options.memoryModels,
      handicap: options.challengerHandicap,
    });
    const now = forecastAt(nowSlot);
    if (!memory || !now)
      return insufficient(
        `the last ${INPUT_SLOTS / 12} h hold no memory reading or too few CPU readings`,
      );
    // Only computed when block windows are on (a 7-day pass over the history per recommendation).
    const blocks = options.blockWindows
      ? planBlocks(
          history.view(nowSlot - BLOCK_HISTORY_DAYS * SLOTS_PER_DAY, nowSlot),
          options.exceedance,
        )
      : undefined;
    return {
      nowS,
      memory,
      cpu: planCpu(history, nowSlot, { ...options, forecastAt }),
      blocks,
      oomMemBytes: latestOomMemory(history, ooms, nowS),
      evidence: gatherEvidence(history, nowSlot, now),
    };
  }

  return {
    observe(chunk) {
      cached = null;
      for (const i of chronologicalOrder(chunk))
        history.add(
          chunk.timestampsS[i] ?? Number.NaN,
          chunk.cpuCores[i] ?? Number.NaN,
          chunk.memBytes[i] ?? Number.NaN,
        );
    },
    observeOom(timestampS) {
      if (!Number.isFinite(timestampS)) return;
      cached = null;
      ooms.push(timestampS);
    },
    planAt(nowS) {
      if (!Number.isFinite(nowS))
        throw new RangeError(
          `nowS must be a finite number of seconds, got ${nowS}`,
        );
      if (cached?.nowS !== nowS) cached = { nowS, plan: computePlan(nowS) };
      return cached.plan;
    },
  };
}
