// When a fresh recommendation replaces the open one. The rule itself (a threshold per resource with
// hysteresis, safety first for memory, the auto-apply threshold) lives in @kubewise/ml
// `decidePublication`, which the walk-forward harness also applies, so bench:frontier scores exactly
// what a user sees; here only the stored rows are read into its shape and a policy change is added.
import {
  decidePublication,
  type PublicationDecision,
  type Publishable,
  type Restatement,
} from "@kubewise/ml";

import type { RecommendationValues } from "./to-resources";

type StoredValues = Required<
  Pick<
    RecommendationValues,
    | "cpuRequestMillicores"
    | "cpuLimitMillicores"
    | "memoryRequestBytes"
    | "memoryLimitBytes"
    | "confidence"
    | "timeWindows"
  >
>;

/** Stored (integer millicores / bytes) values in the rule's cores / bytes. */
export function toPublishableValues(v: StoredValues): Publishable {
  return {
    base: {
      cpuRequestCores: v.cpuRequestMillicores / 1000,
      cpuLimitCores:
        v.cpuLimitMillicores === null ? null : v.cpuLimitMillicores / 1000,
      memRequestBytes: v.memoryRequestBytes,
      memLimitBytes: v.memoryLimitBytes,
    },
    windows: v.timeWindows.map((w) => ({
      name: w.name,
      cpuRequestCores: w.cpuTargetMillicores / 1000,
      memRequestBytes: w.memoryTargetBytes,
    })),
    confidence: v.confidence,
  };
}

/** Whether `next` should replace (or queue after) `previous`, and why. */
export function supersedeDecision(input: {
  previous: StoredValues & { policy: string };
  next: StoredValues & { policy: string };
  /** The previous values restated by the recommender today (null: it cannot say). */
  previousNow: Restatement | null;
  autoApplyMinConfidence: number | null;
}): PublicationDecision {
  const { previous, next } = input;
  if (previous.policy !== next.policy)
    return {
      publish: true,
      changes: [],
      reason: `policy ${previous.policy} -> ${next.policy}`,
    };
  return decidePublication({
    published: toPublishableValues(previous),
    fresh: toPublishableValues(next),
    publishedConfidenceNow: input.previousNow?.confidence ?? null,
    memoryRegret: input.previousNow?.memoryRegret ?? null,
    cpuRegret: input.previousNow?.cpuRegret ?? null,
    autoApplyMinConfidence: input.autoApplyMinConfidence,
  });
}
