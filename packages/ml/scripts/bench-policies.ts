// The policies bench:recommend scores; shared by the main thread and its workers.
import { createAutopilotRecommender } from "../src/baselines/autopilot";
import { createAutopilotMlRecommender } from "../src/baselines/autopilot-ml";
import { createKrrRecommender } from "../src/baselines/krr";
import { createVpaRecommender } from "../src/baselines/vpa";
import type { PolicyEntry } from "../src/eval/walk-forward";
import { PROVISIONED } from "../src/eval/walk-forward";
import type { LoadedKubewise } from "./kubewise-loader";
import { loadKubewise } from "./kubewise-loader";

const CURVE_TARGETS = [0.9, 0.95, 0.99];
export const BASELINE_NAMES = [
  PROVISIONED,
  "vpa",
  "krr",
  "autopilot",
  "autopilot-ml",
];

export function curveName(e: {
  target: number;
  sameAsDefault: boolean;
}): string {
  return e.sameAsDefault ? "kubewise" : `kubewise@${e.target}`;
}

export async function buildPolicies(
  log: (m: string) => void,
  options: { baselinesOnly: boolean },
): Promise<{ policies: PolicyEntry[]; kubewise: LoadedKubewise }> {
  const kubewise: LoadedKubewise = options.baselinesOnly
    ? {
        default: null,
        byTarget: [],
        missingReason: "skipped (--baselines-only)",
      }
    : await loadKubewise(CURVE_TARGETS, log);
  const policies: PolicyEntry[] = [
    { name: PROVISIONED, recommender: null },
    { name: "vpa", recommender: createVpaRecommender() },
    { name: "krr", recommender: createKrrRecommender() },
    { name: "autopilot", recommender: createAutopilotRecommender() },
    { name: "autopilot-ml", recommender: createAutopilotMlRecommender() },
  ];
  if (kubewise.default)
    policies.push({ name: "kubewise", recommender: kubewise.default });
  for (const e of kubewise.byTarget)
    if (!e.sameAsDefault)
      policies.push({ name: curveName(e), recommender: e.recommender });
  return { policies, kubewise };
}
