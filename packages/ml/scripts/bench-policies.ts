// The policies bench:recommend scores; shared by the main thread and its workers.
import { createAutopilotRecommender } from "../src/baselines/autopilot";
import { createAutopilotMlRecommender } from "../src/baselines/autopilot-ml";
import { createKrrRecommender } from "../src/baselines/krr";
import { createVpaRecommender } from "../src/baselines/vpa";
import type { PolicyEntry } from "../src/eval/walk-forward";
import { PROVISIONED } from "../src/eval/walk-forward";
import type { RiskKnob } from "../src/kubewise/recommender";
import type { LoadedKubewise } from "./kubewise-loader";
import { loadKubewise } from "./kubewise-loader";

/**
 * Kubewise's risk curve: three points of the knob bench:frontier sweeps (risk weight with its
 * CPU exceedance penalty), an aggressive one, the product's default and a conservative one.
 * (The recommender prices risk with the confidence model; `targetHold`, which this curve used to
 * vary, only matters without one, so those rows equalled the default.)
 */
export const CURVE_RISK_WEIGHTS = [0.75, 2, 8] as const;
export const BASELINE_NAMES = [
  PROVISIONED,
  "vpa",
  "krr",
  "autopilot",
  "autopilot-ml",
];

export function curveName(e: {
  knob: RiskKnob;
  sameAsDefault: boolean;
}): string {
  return e.sameAsDefault
    ? "kubewise"
    : `kubewise@risk ${e.knob.riskWeight} / cpu ${e.knob.cpuPenalty}`;
}

export async function buildPolicies(
  log: (m: string) => void,
  options: { baselinesOnly: boolean },
): Promise<{ policies: PolicyEntry[]; kubewise: LoadedKubewise }> {
  const kubewise: LoadedKubewise = options.baselinesOnly
    ? {
        default: null,
        curve: [],
        missingReason: "skipped (--baselines-only)",
      }
    : await loadKubewise(CURVE_RISK_WEIGHTS, log);
  const policies: PolicyEntry[] = [
    { name: PROVISIONED, recommender: null },
    { name: "vpa", recommender: createVpaRecommender() },
    { name: "krr", recommender: createKrrRecommender() },
    { name: "autopilot", recommender: createAutopilotRecommender() },
    { name: "autopilot-ml", recommender: createAutopilotMlRecommender() },
  ];
  if (kubewise.default)
    policies.push({ name: "kubewise", recommender: kubewise.default });
  for (const e of kubewise.curve)
    if (!e.sameAsDefault)
      policies.push({ name: curveName(e), recommender: e.recommender });
  return { policies, kubewise };
}
