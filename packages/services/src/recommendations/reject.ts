import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { decideRecommendation } from "./decide";
import {
  RejectRecommendationInputSchema,
  type RecommendationSummary,
  type RejectRecommendationInput,
} from "./schemas";

export async function rejectRecommendation({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: RejectRecommendationInput;
}): Promise<RecommendationSummary> {
  authorize(ctx, "rejectRecommendation");
  const { id, reason, expectedPhase } = parseInput(
    RejectRecommendationInputSchema,
    input,
  );
  return withTransaction(ctx, (tx) =>
    decideRecommendation(tx, id, { type: "reject", reason, expectedPhase }),
  );
}
