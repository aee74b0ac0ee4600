import { isKubewiseError, type ErrorCode } from "@kubewise/core";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../internal/parse";
import { withTransaction } from "../internal/transaction";
import { decideRecommendation } from "./decide";
import {
  BulkApproveRecommendationsInputSchema,
  type BulkApproveRecommendationsInput,
  type RecommendationSummary,
} from "./schemas";

export type BulkApproveResult = {
  approved: RecommendationSummary[];
  failed: { id: string; code: ErrorCode; message: string }[];
};

/** Approves each id in its own savepoint, so one stale or forbidden id does not block the rest. */
export async function bulkApproveRecommendations({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: BulkApproveRecommendationsInput;
}): Promise<BulkApproveResult> {
  authorize(ctx, "bulkApproveRecommendations");
  const { ids, comment } = parseInput(
    BulkApproveRecommendationsInputSchema,
    input,
  );
  const result: BulkApproveResult = { approved: [], failed: [] };
  await withTransaction(ctx, async (tx) => {
    for (const id of new Set(ids)) {
      try {
        result.approved.push(
          await withTransaction(tx, (inner) =>
            decideRecommendation(inner, id, { type: "approve", comment }),
          ),
        );
      } catch (error) {
        if (!isKubewiseError(error)) throw error;
        result.failed.push({ id, code: error.code, message: error.message });
      }
    }
  });
  return result;
}
