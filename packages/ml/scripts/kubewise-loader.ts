// Finds the Kubewise recommender (packages/ml/src/kubewise) without a static import, so the
// benchmark still runs with the baselines alone and reports kubewise as missing when its entry
// point or model cannot be loaded.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { RiskKnob } from "../src/kubewise/recommender";
import type { Recommender } from "../src/recommender";

type CurveEntry = {
  /** The risk knob this point was built with (the one bench:frontier sweeps). */
  knob: RiskKnob;
  recommender: Recommender;
  /** The product's own knob: reuses the default run instead of scoring twice. */
  sameAsDefault: boolean;
};

export type LoadedKubewise = {
  default: Recommender | null;
  /** One per curve knob, from aggressive to conservative. */
  curve: CurveEntry[];
  missingReason: string;
};

type Factory = (
  options?: Partial<RiskKnob>,
) => Recommender | Promise<Recommender>;

const KUBEWISE_ENTRY = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../src/kubewise/index.ts",
);

function isFactory(value: unknown): value is Factory {
  return typeof value === "function";
}

function isKnob(value: unknown): value is RiskKnob {
  if (typeof value !== "object" || value === null) return false;
  const k = value as Record<string, unknown>;
  return typeof k.riskWeight === "number" && typeof k.cpuPenalty === "number";
}

/**
 * The default recommender and one per curve point. `riskWeights` pick points of the knob list
 * bench:frontier sweeps (KUBEWISE_KNOBS: risk weight paired with the CPU exceedance penalty), so
 * the curve varies the setting the recommender actually reads.
 */
export async function loadKubewise(
  riskWeights: readonly number[],
  log: (message: string) => void,
): Promise<LoadedKubewise> {
  const missing = (missingReason: string): LoadedKubewise => {
    log(`kubewise: missing (${missingReason})`);
    return { default: null, curve: [], missingReason };
  };
  if (!existsSync(KUBEWISE_ENTRY))
    return missing("packages/ml/src/kubewise/index.ts does not exist");
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(KUBEWISE_ENTRY).href)) as Record<
      string,
      unknown
    >;
  } catch (error: unknown) {
    return missing(
      `loading it failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const factory = mod.createKubewiseRecommender;
  if (!isFactory(factory))
    return missing(
      "packages/ml/src/kubewise/index.ts exports no createKubewiseRecommender",
    );
  const knobs = Array.isArray(mod.KUBEWISE_KNOBS)
    ? (mod.KUBEWISE_KNOBS as unknown[]).filter(isKnob)
    : [];
  const defaultKnob = isKnob(mod.DEFAULT_KNOB) ? mod.DEFAULT_KNOB : null;
  if (defaultKnob === null)
    return missing("packages/ml/src/kubewise/index.ts exports no DEFAULT_KNOB");
  const chosen = riskWeights.map((weight) => {
    const knob = knobs.find((k) => k.riskWeight === weight);
    if (knob === undefined)
      throw new Error(
        `risk weight ${weight} is not one of KUBEWISE_KNOBS (${knobs.map((k) => k.riskWeight).join(", ")})`,
      );
    return knob;
  });
  try {
    const curve: CurveEntry[] = [];
    for (const knob of chosen)
      curve.push({
        knob,
        recommender: await factory({ ...knob }),
        sameAsDefault:
          knob.riskWeight === defaultKnob.riskWeight &&
          knob.cpuPenalty === defaultKnob.cpuPenalty,
      });
    return { default: await factory(), curve, missingReason: "" };
  } catch (error: unknown) {
    return missing(
      `building it failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
