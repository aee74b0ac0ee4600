import { floorsFor } from "../policy/resources";
import type {
  Recommendation,
  RecommenderContext,
  RecommenderSession,
  RecommendResult,
  ResourceValues,
  Restatement,
} from "../recommender";
import {
  assembleRecommendation,
  assembleRiskRecommendation,
  restateValues,
} from "./assemble";
import type { AssembleContext, Plan } from "./assemble";
import { CPU_EXCEEDANCE_PENALTY } from "./cpu-choice";
import type { Evidence } from "./evidence";
import type { ForecastFn } from "./forecasts";
import { chooseLadderStep } from "./ladder";
import type { ConfidenceModel } from "./memory-risk";
import type { CalibrationMetadata } from "./model-metadata";
import type { CpuModel, CpuPlanOptions } from "./plan-cpu";
import { RISK_LADDER } from "./plan-memory";
import type { MemoryModel } from "./plan-memory";
import { createPlanner, insufficient } from "./planner";

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
} as const;

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
  restate(
    published: ResourceValues,
    nowS: number,
    fresh?: Recommendation,
  ): Restatement | null;
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
      const assembly: AssembleContext = {
        floors: floorsFor(unitSystem),
        unitSystem,
        cpuLimitFactor: options.cpuLimitFactor,
        blockWindows: options.blockWindows,
      };
      const planner = createPlanner(options);
      const model = options.confidenceModel ?? null;
      const withEvidence = (
        plan: Plan,
      ): (Plan & { evidence: Evidence }) | null =>
        plan.evidence ? { ...plan, evidence: plan.evidence } : null;

      function recommend(nowS: number): RecommendResult {
        const plan = planner.planAt(nowS);
        if ("kind" in plan) return plan;
        const risky = withEvidence(plan);
        if (model && risky)
          return {
            kind: "ok",
            recommendation: assembleRiskRecommendation(
              risky,
              {
                riskWeight: options.riskWeight ?? KUBEWISE_DEFAULTS.riskWeight,
                cpuLevelFactor: plan.cpu.levelFactor,
                cpuPenalty: options.cpuPenalty ?? CPU_EXCEEDANCE_PENALTY,
              },
              { ...assembly, model },
            ),
          };
        const step = chooseLadderStep(
          options.calibration,
          plan.memory.model,
          options,
        );
        return {
          kind: "ok",
          recommendation: assembleRecommendation(plan, step, assembly),
        };
      }

      function recommendForKnobs(
        nowS: number,
        knobs: readonly RiskKnob[],
      ): RecommendResult[] {
        const plan = planner.planAt(nowS);
        if ("kind" in plan) return knobs.map(() => plan);
        const risky = withEvidence(plan);
        if (!model || !risky) {
          const why = insufficient(
            model
              ? "no memory reading in the last 7 days"
              : "no confidence model loaded",
          );
          return knobs.map(() => why);
        }
        const factors = plan.cpu.levelFactors(knobs.map((k) => k.cpuPenalty));
        return knobs.map((k, i) => ({
          kind: "ok",
          recommendation: assembleRiskRecommendation(
            risky,
            {
              riskWeight: k.riskWeight,
              cpuLevelFactor: factors[i] ?? plan.cpu.levelFactor,
              cpuPenalty: k.cpuPenalty,
            },
            { ...assembly, model },
          ),
        }));
      }

      return {
        observe: (chunk) => planner.observe(chunk),
        observeOom: (timestampS) => planner.observeOom(timestampS),
        recommend,
        recommendForKnobs,
        restate(published, nowS, fresh) {
          const plan = planner.planAt(nowS);
          if ("kind" in plan) return null;
          const evidence = plan.evidence;
          if (!model || !evidence) return null;
          const restatement = restateValues(published, {
            evidence,
            model,
            fresh,
          });
          // The CPU request's regret in the choice's own objective, at the fresh one's penalty.
          const penalty = fresh?.evidence?.cpuPenalty;
          const cpuRegret =
            fresh && typeof penalty === "number"
              ? plan.cpu.regret({
                  publishedCores: published.cpuRequestCores,
                  freshCores: fresh.base.cpuRequestCores,
                  penalty,
                })
              : undefined;
          return cpuRegret === undefined
            ? restatement
            : { ...restatement, cpuRegret };
        },
        recommendEveryStep(nowS: number): LadderResult {
          const plan = planner.planAt(nowS);
          if ("kind" in plan) return plan;
          return {
            kind: "ladder",
            memoryModel: plan.memory.model,
            cpuModel: plan.cpu.model,
            recommendations: RISK_LADDER.map((_, index) =>
              assembleRecommendation(
                plan,
                { index, confidence: Number.NaN },
                assembly,
              ),
            ),
          };
        },
      };
    },
  };
}
