import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { decideRecommendation } from "./decide";
import {
  ApproveRecommendationInputSchema,
  type ApproveRecommendationInput,
  type RecommendationSummary,
} from "./schemas";

export async function approveRecommendation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ApproveRecommendationInput;
}): Promise<RecommendationSummary> {
  authorize(ctx, "approveRecommendation");
  const { id, comment, expectedPhase } = parseInput(
    ApproveRecommendationInputSchema,
    input,
  );
  return withTransaction(ctx, (tx) =>
    decideRecommendation(tx, id, { type: "approve", comment, expectedPhase }),
  );
}
