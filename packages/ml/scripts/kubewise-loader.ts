// Finds the Kubewise recommender (packages/ml/src/kubewise, built in parallel) without a static import,
// so the benchmark runs with the baselines alone and reports kubewise as missing until it exists.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { Recommender } from "../src/recommender";

export type LoadedKubewise = {
  default: Recommender | null;
  /** One per curve target; `sameAsDefault` entries reuse the default run instead of scoring twice. */
  byTarget: {
    target: number;
    recommender: Recommender;
    sameAsDefault: boolean;
  }[];
  missingReason: string;
};

type Factory = (options?: {
  targetHoldProbability?: number;
}) => Recommender | Promise<Recommender>;

const KUBEWISE_ENTRY = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../src/kubewise/index.ts",
);

function isFactory(value: unknown): value is Factory {
  return typeof value === "function";
}

export async function loadKubewise(
  targets: number[],
  log: (message: string) => void,
): Promise<LoadedKubewise> {
  const missing = (missingReason: string): LoadedKubewise => {
    log(`kubewise: missing (${missingReason})`);
    return { default: null, byTarget: [], missingReason };
  };
  if (!existsSync(KUBEWISE_ENTRY))
    return missing("packages/ml/src/kubewise/index.ts does not exist yet");
  try {
    const mod = (await import(pathToFileURL(KUBEWISE_ENTRY).href)) as Record<
      string,
      unknown
    >;
    const factory = mod.createKubewiseRecommender;
    if (!isFactory(factory))
      return missing(
        "packages/ml/src/kubewise/index.ts exports no createKubewiseRecommender",
      );
    const defaults = mod.KUBEWISE_DEFAULTS as
      { targetHold?: unknown } | undefined;
    const defaultTarget =
      typeof defaults?.targetHold === "number" ? defaults.targetHold : null;
    const byTarget: LoadedKubewise["byTarget"] = [];
    for (const target of targets) {
      const recommender = await factory({ targetHoldProbability: target });
      byTarget.push({
        target,
        recommender,
        sameAsDefault: target === defaultTarget,
      });
    }
    return { default: await factory(), byTarget, missingReason: "" };
  } catch (error: unknown) {
    return missing(
      `loading it failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
