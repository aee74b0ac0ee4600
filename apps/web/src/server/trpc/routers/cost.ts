import {
  getCosts,
  GetCostsInputSchema,
  getSavings,
  GetSavingsInputSchema,
} from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const costRouter = createTRPCRouter({
  overview: authedProcedure
    .input(GetCostsInputSchema)
    .query(({ ctx, input }) => getCosts({ ctx: ctx.services, input })),
  savings: authedProcedure
    .input(GetSavingsInputSchema)
    .query(({ ctx, input }) => getSavings({ ctx: ctx.services, input })),
});
