import {
  approveRecommendation,
  ApproveRecommendationInputSchema,
  bulkApproveRecommendations,
  BulkApproveRecommendationsInputSchema,
  dryRunRecommendation,
  getRecommendation,
  GetRecommendationInputSchema,
  listRecommendations,
  ListRecommendationsInputSchema,
  RecommendationIdInputSchema,
  rejectRecommendation,
  RejectRecommendationInputSchema,
} from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const recommendationRouter = createTRPCRouter({
  list: authedProcedure
    .input(ListRecommendationsInputSchema)
    .query(({ ctx, input }) =>
      listRecommendations({ ctx: ctx.services, input }),
    ),
  get: authedProcedure
    .input(GetRecommendationInputSchema)
    .query(({ ctx, input }) => getRecommendation({ ctx: ctx.services, input })),
  dryRun: authedProcedure
    .input(RecommendationIdInputSchema)
    .mutation(({ ctx, input }) =>
      dryRunRecommendation({ ctx: ctx.services, input }),
    ),
  approve: authedProcedure
    .input(ApproveRecommendationInputSchema)
    .mutation(({ ctx, input }) =>
      approveRecommendation({ ctx: ctx.services, input }),
    ),
  reject: authedProcedure
    .input(RejectRecommendationInputSchema)
    .mutation(({ ctx, input }) =>
      rejectRecommendation({ ctx: ctx.services, input }),
    ),
  bulkApprove: authedProcedure
    .input(BulkApproveRecommendationsInputSchema)
    .mutation(({ ctx, input }) =>
      bulkApproveRecommendations({ ctx: ctx.services, input }),
    ),
});
