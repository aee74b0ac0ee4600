// A leader killed between a pods/resize and its status write leaves resized pods no status
// names. The next leader finds them by their resources and adopts them into the rollout, so a
// later step counts them and a rollback restores them: never half.
import { fromResourceQuantities } from "@kubewise/core";
import {
  mergeAppliedResources,
  type CanaryRecord,
  type ContainerResourcesSnapshot,
} from "@kubewise/k8s";

import type { Ctx } from "./decision-context";
import type { PodLike } from "./signals";

export type PodWithSpec = PodLike & {
  metadata?: { name?: string; deletionTimestamp?: Date | string };
  spec?: {
    containers?: {
      name: string;
      resources?: {
        requests?: Record<string, string>;
        limits?: Record<string, string>;
      };
    }[];
  };
};

export const isLive = (p: PodWithSpec) =>
  !p.metadata?.deletionTimestamp && Boolean(p.metadata?.name);

const amountsOf = (
  c: Pick<ContainerResourcesSnapshot, "requests" | "limits">,
) =>
  JSON.stringify([
    fromResourceQuantities(c.requests),
    fromResourceQuantities(c.limits),
  ]);

/**
 * Live pods, outside `recorded`, that already carry the change (`applied`, compared as amounts)
 * while the template does not: resized by a leader that was killed before it wrote the status.
 * The rollout adopts them, so a later step or a rollback covers them too (never half).
 */
export function findUnrecordedResizes(
  pods: PodWithSpec[],
  change: {
    previous: ContainerResourcesSnapshot[];
    applied: ContainerResourcesSnapshot[];
  },
  recorded: string[] = [],
): string[] {
  const { previous, applied } = change;
  const differs = applied.some(
    (a) =>
      amountsOf(a) !==
      amountsOf(previous.find((p) => p.name === a.name) ?? { name: a.name }),
  );
  if (!differs) return [];
  return pods
    .filter(isLive)
    .filter((p) =>
      applied.every((a) => {
        const found = p.spec?.containers?.find((c) => c.name === a.name);
        return (
          found !== undefined &&
          amountsOf(found.resources ?? {}) === amountsOf(a)
        );
      }),
    )
    .map((p) => p.metadata?.name ?? "")
    .filter((name) => !recorded.includes(name))
    .sort();
}

/** The running canary with the pods a killed leader resized after its last status write. */
export function adoptUnrecordedResizes(
  ctx: Ctx,
  recorded: CanaryRecord,
): { ctx: Ctx; canary: CanaryRecord } {
  const adopted = findUnrecordedResizes(
    ctx.pods,
    {
      previous: recorded.previous,
      applied: mergeAppliedResources(recorded.previous, ctx.containers),
    },
    recorded.pods,
  );
  if (adopted.length === 0) return { ctx, canary: recorded };
  const canary = { ...recorded, pods: [...recorded.pods, ...adopted] };
  return { ctx: { ...ctx, base: { ...ctx.base, canary } }, canary };
}
