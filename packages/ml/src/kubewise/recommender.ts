import { applyIsotonic, invertIsotonic } from "../calibration/isotonic";
import { INPUT_SLOTS } from "../features/model-input";
import {
  createSlotHistory,
  slotOf,
  SLOTS_PER_DAY,
} from "../features/slot-history";
import type { SlotHistory } from "../features/slot-history";
import { planBlocks } from "../policy/blocks";
import { floorsFor } from "../policy/resources";
import type {
  Recommendation,
  RecommenderContext,
  RecommenderSession,
  RecommendResult,
  UsageChunk,
} from "../recommender";
import { assembleRecommendation, assembleRiskRecommendation } from "./assemble";
import type { AssembleContext, Plan } from "./assemble";
import { gatherEvidence } from "./evidence";
import { createForecastCache } from "./forecasts";
import type { ForecastFn } from "./forecasts";
import type { ConfidenceModel } from "./memory-risk";
import type { CalibrationMetadata } from "./model-metadata";
import { planCpu } from "./plan-cpu";
import type { CpuModel, CpuPlanOptions } from "./plan-cpu";
import { planMemory, RISK_LADDER } from "./plan-memory";
import type { MemoryModel } from "./plan-memory";
import { stabilize } from "./stability";

export type KubewiseOptions = CpuPlanOptions & {
  forecast: ForecastFn;
  calibration: CalibrationMetadata | null;
  /** Target probability that the recommendation holds over the next 24 h (HOLDS_DEFINITION: no OOM, no CPU above its limit). */
  targetHold: number;
  /** Fixed risk ladder step instead of the calibrated choice (calibration runs use it). */
  ladderIndex?: number;
  /** Memory models the per-series selection may pick from (default: all). */
  memoryModels?: readonly MemoryModel[];
  /** Validated loss multiplier for the LSTM (and, for memory, the empirical model) against the statistic. */
  challengerHandicap?: number;
  /** Least CPU limit over the 7-day peak; higher risk ladder steps raise it. */
  cpuLimitFactor: number;
  /** Six 4-hour windows with their own CPU request and memory limit (when history allows). */
  blockWindows: boolean;
  /** Tomorrow's-peak model and its calibration; without it the calibrated risk ladder sets memory. */
  confidenceModel?: ConfidenceModel | null;
  /** Price of a failure in units of relative memory slack: the risk knob (memory-risk.ts). */
  riskWeight?: number;
  /** Keep the stated values unless the new ones differ materially (stability.ts). */
  stabilize?: boolean;
};

export const KUBEWISE_DEFAULTS = {
  targetHold: 0.95,
  exceedance: 0.02,
  // Peak / off-peak windows only where they cut the CPU request by 30 %: smaller splits added
  // under-provisioning and memory slack on the dev traces (ADR 0004).
  windowMinGain: 0.3,
  // The LSTM (and the empirical memory model) must beat the plain statistic's validated loss by
  // this factor: with 7 validation days the best-looking of many candidates is often just lucky.
  challengerHandicap: 1.5,
  cpuLimitFactor: 1.2,
  // Off by default: on the dev traces memory spikes move between 4-hour blocks and per-block CPU
  // quantiles were no better than daily ones at equal under-provisioning (see docs/adr/0004).
  blockWindows: false,
  // OOM-free days near KRR's (0.97) on the dev traces, out of fold: docs/adr/0008.
  riskWeight: 2,
  // Off: on the dev traces it cut changes/day from 0.60 to 0.34 for +0.02 memory and +0.04 CPU
  // slack at the default (docs/adr/0008); the approval workflow's own materiality rule applies instead.
  stabilize: false,
} as const;
const BLOCK_HISTORY_DAYS = 7;

const RETENTION_SLOTS = 15 * SLOTS_PER_DAY;
const MIN_HISTORY_SLOTS = SLOTS_PER_DAY / 2;
const OOM_MEMORY_DAYS = 7;

/** Ladder step whose calibrated hold probability first reaches the target, and that probability. */
export function chooseLadderStep(
  calibration: CalibrationMetadata | null,
  model: string,
  options: { targetHold: number; ladderIndex?: number },
): { index: number; confidence: number } {
  const map = calibration?.maps[model] ?? calibration?.maps.all;
  if (options.ladderIndex !== undefined) {
    const index = options.ladderIndex;
    return { index, confidence: stepConfidence(map, index) };
  }
  if (!map) return nominalStep(options.targetHold);
  const index = invertIsotonic(map, options.targetHold);
  return { index, confidence: applyIsotonic(map, index) };
}

type CalibrationMap = CalibrationMetadata["maps"][string];

function stepConfidence(
  map: CalibrationMap | undefined,
  index: number,
): number {
  return map ? applyIsotonic(map, index) : (RISK_LADDER[index]?.level ?? 0.5);
}

// Uncalibrated: fall back to the nominal quantile level (stated as such, never as calibrated).
function nominalStep(targetHold: number): {
  index: number;
  confidence: number;
} {
  const found = RISK_LADDER.findIndex((s) => s.level >= targetHold);
  const index = found < 0 ? RISK_LADDER.length - 1 : found;
  return { index, confidence: RISK_LADDER[index]?.level ?? targetHold };
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

function insufficient(
  reason: string,
): Extract<RecommendResult, { kind: "insufficient-history" }> {
  return { kind: "insufficient-history", reason, confidence: 0 };
}

/** Every risk ladder step at once (confidence NaN: uncalibrated), for fitting the calibration. */
export type LadderResult =
  | {
      kind: "ladder";
      memoryModel: MemoryModel;
      cpuModel: CpuModel;
      recommendations: Recommendation[];
    }
  | Extract<RecommendResult, { kind: "insufficient-history" }>;

export type RiskKnob = { riskWeight: number; cpuPenalty: number };

export type KubewiseSession = RecommenderSession & {
  recommendEveryStep(nowS: number): LadderResult;
  /** One recommendation per knob setting from one plan (needs the confidence model). */
  recommendForKnobs(
    nowS: number,
    knobs: readonly RiskKnob[],
  ): RecommendResult[];
};

export type KubewiseRecommender = {
  name: string;
  start(ctx: RecommenderContext): KubewiseSession;
};

export function buildKubewiseRecommender(
  options: KubewiseOptions,
): KubewiseRecommender {
  return {
    name: "kubewise",
    start(ctx: RecommenderContext): KubewiseSession {
      const unitSystem = ctx.unitSystem ?? "real";
      const floors = floorsFor(unitSystem);
      const history = createSlotHistory({ retentionSlots: RETENTION_SLOTS });
      const forecastAt = createForecastCache(history, options.forecast);
      const ooms: number[] = [];
      // The recommendation last stated (per knob index; -1 for `recommend`), for hysteresis.
      const inForce = new Map<number, Recommendation>();
      return {
        observe(chunk: UsageChunk) {
          for (const i of chronologicalOrder(chunk)) {
            history.add(
              chunk.timestampsS[i] ?? Number.NaN,
              chunk.cpuCores[i] ?? Number.NaN,
              chunk.memBytes[i] ?? Number.NaN,
            );
          }
        },
        observeOom(timestampS: number) {
          if (Number.isFinite(timestampS)) ooms.push(timestampS);
        },
        recommend(nowS: number): RecommendResult {
          const plan = planAt(nowS);
          if ("kind" in plan) return plan;
          const model = options.confidenceModel;
          if (model && plan.evidence) {
            const next = assembleRiskRecommendation(
              { ...plan, evidence: plan.evidence },
              {
                riskWeight: options.riskWeight ?? KUBEWISE_DEFAULTS.riskWeight,
                cpuLevelFactor: plan.cpu.levelFactor,
              },
              { ...assembleContext(), model },
            );
            const stated = options.stabilize
              ? stabilize(inForce.get(-1) ?? null, next, {
                  evidence: plan.evidence,
                  model,
                })
              : next;
            inForce.set(-1, stated);
            return { kind: "ok", recommendation: stated };
          }
          return {
            kind: "ok",
            recommendation: toRecommendation(
              plan,
              chooseLadderStep(options.calibration, plan.memory.model, options),
            ),
          };
        },
        recommendForKnobs(nowS, knobs): RecommendResult[] {
          const plan = planAt(nowS);
          if ("kind" in plan) return knobs.map(() => plan);
          const model = options.confidenceModel;
          const evidence = plan.evidence;
          if (!model || !evidence)
            return knobs.map(() =>
              insufficient(
                model
                  ? "no memory reading in the last 7 days"
                  : "no confidence model loaded",
              ),
            );
          const factors = plan.cpu.levelFactors(knobs.map((k) => k.cpuPenalty));
          return knobs.map((k, i) => {
            const next = assembleRiskRecommendation(
              { ...plan, evidence },
              {
                riskWeight: k.riskWeight,
                cpuLevelFactor: factors[i] ?? plan.cpu.levelFactor,
              },
              { ...assembleContext(), model },
            );
            const stated = options.stabilize
              ? stabilize(inForce.get(i) ?? null, next, { evidence, model })
              : next;
            inForce.set(i, stated);
            return { kind: "ok", recommendation: stated };
          });
        },
        recommendEveryStep(nowS: number): LadderResult {
          const plan = planAt(nowS);
          if ("kind" in plan) return plan;
          const recommendations = RISK_LADDER.map((_, index) =>
            toRecommendation(plan, { index, confidence: Number.NaN }),
          );
          return {
            kind: "ladder",
            memoryModel: plan.memory.model,
            cpuModel: plan.cpu.model,
            recommendations,
          };
        },
      };

      function planAt(
        nowS: number,
      ): Plan | Extract<RecommendResult, { kind: "insufficient-history" }> {
        if (!Number.isFinite(nowS))
          throw new RangeError(
            `nowS must be a finite number of seconds, got ${nowS}`,
          );
        const nowSlot = slotOf(nowS);
        const valid = countValid(history, nowSlot - RETENTION_SLOTS, nowSlot);
        if (valid < MIN_HISTORY_SLOTS) {
          return insufficient(
            `need ${MIN_HISTORY_SLOTS * 5} min of CPU and memory readings before ${nowS}, have ${valid * 5} min`,
          );
        }
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
        const cpu = planCpu(history, nowSlot, { ...options, forecastAt });
        // Only computed when block windows are on (a 7-day pass over the history per recommendation).
        const blocks = options.blockWindows
          ? planBlocks(
              history.view(
                nowSlot - BLOCK_HISTORY_DAYS * SLOTS_PER_DAY,
                nowSlot,
              ),
              options.exceedance,
            )
          : undefined;
        return {
          nowS,
          memory,
          cpu,
          blocks,
          oomMemBytes: latestOomMemory(history, ooms, nowS),
          evidence: gatherEvidence(history, nowSlot, now),
        };
      }

      function assembleContext(): AssembleContext {
        return {
          floors,
          unitSystem,
          cpuLimitFactor: options.cpuLimitFactor,
          blockWindows: options.blockWindows,
        };
      }

      function toRecommendation(
        plan: Plan,
        step: { index: number; confidence: number },
      ): Recommendation {
        return assembleRecommendation(plan, step, assembleContext());
      }

      function latestOomMemory(
        h: SlotHistory,
        oomTimes: number[],
        nowS: number,
      ): number | undefined {
        const recent = oomTimes.filter(
          (t) => t <= nowS && t > nowS - OOM_MEMORY_DAYS * 86_400,
        );
        if (recent.length === 0) return undefined;
        let peak = Number.NaN;
        for (const t of recent) {
          const s = slotOf(t);
          const view = h.view(s - 1, s + 1).memBytes;
          for (const v of view)
            if (Number.isFinite(v) && !(peak >= v)) peak = v;
        }
        return Number.isFinite(peak) ? peak : undefined;
      }
    },
  };
}
