import { listRecommendations as queryRecommendations } from "@kubewise/db";

import { authorize, namespaceFilter } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { clusterFilter } from "../internal/cluster";
import { parseInput } from "../internal/parse";
import { toRecommendationSummary } from "./internal";
import {
  ListRecommendationsInputSchema,
  type ListRecommendationsInput,
  type RecommendationPage,
} from "./schemas";

export async function listRecommendations({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ListRecommendationsInput;
}): Promise<RecommendationPage> {
  authorize(ctx, "listRecommendations");
  const parsed = parseInput(ListRecommendationsInputSchema, input);
  const { rows, total } = await queryRecommendations(ctx.db, {
    clusterId: await clusterFilter(ctx.db, parsed),
    namespace: parsed.namespace,
    workloadId: parsed.workloadId,
    containerId: parsed.containerId,
    phases: parsed.phase,
    minConfidence: parsed.minConfidence,
    scopes: namespaceFilter(ctx.actor),
    sort: parsed.sort,
    limit: parsed.limit,
    offset: parsed.offset,
  });
  const nextOffset =
    parsed.offset + rows.length < total ? parsed.offset + rows.length : null;
  return { items: rows.map(toRecommendationSummary), total, nextOffset };
}
