import { type NamespaceSafetyConfig } from "@kubewise/core";
import { getSafetyConfig as querySafetyConfig } from "@kubewise/db";

import { assertNamespaceAccess, authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { resolveClusterId } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { getEffectiveSafetyConfig } from "../recommendations/internal";
import {
  GetSafetyConfigInputSchema,
  type GetSafetyConfigInput,
} from "./schemas";

export type SafetyConfigView = {
  clusterId: string;
  namespace: string;
  config: NamespaceSafetyConfig;
  /** false when nobody configured the namespace and the defaults apply. */
  isDefault: boolean;
  updatedAt: Date | null;
};

export async function getSafetyConfig({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: GetSafetyConfigInput;
}): Promise<SafetyConfigView> {
  authorize(ctx, "getSafetyConfig");
  const parsed = parseInput(GetSafetyConfigInputSchema, input);
  const clusterId = await resolveClusterId(
    ctx.db,
    parsed.clusterId,
    parsed.cluster,
  );
  assertNamespaceAccess(ctx.actor, { clusterId, namespace: parsed.namespace });
  const row = await querySafetyConfig(ctx.db, clusterId, parsed.namespace);
  const config = await getEffectiveSafetyConfig(
    ctx.db,
    clusterId,
    parsed.namespace,
  );
  return {
    clusterId,
    namespace: parsed.namespace,
    config,
    isDefault: row === undefined,
    updatedAt: row?.updatedAt ?? null,
  };
}
