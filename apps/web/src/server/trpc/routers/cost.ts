import {
  getAllocation,
  GetAllocationInputSchema,
  getCostDrilldown,
  GetCostDrilldownInputSchema,
  getCosts,
  getCostSettings,
  GetCostSettingsInputSchema,
  GetCostsInputSchema,
  getSavings,
  GetSavingsInputSchema,
  putCostSettings,
  PutCostSettingsInputSchema,
} from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const costRouter = createTRPCRouter({
  overview: authedProcedure
    .input(GetCostsInputSchema)
    .query(({ ctx, input }) => getCosts({ ctx: ctx.services, input })),
  savings: authedProcedure
    .input(GetSavingsInputSchema)
    .query(({ ctx, input }) => getSavings({ ctx: ctx.services, input })),
  allocation: authedProcedure
    .input(GetAllocationInputSchema)
    .query(({ ctx, input }) => getAllocation({ ctx: ctx.services, input })),
  drilldown: authedProcedure
    .input(GetCostDrilldownInputSchema)
    .query(({ ctx, input }) => getCostDrilldown({ ctx: ctx.services, input })),
  settings: authedProcedure
    .input(GetCostSettingsInputSchema)
    .query(({ ctx, input }) => getCostSettings({ ctx: ctx.services, input })),
  putSettings: authedProcedure
    .input(PutCostSettingsInputSchema)
    .mutation(({ ctx, input }) =>
      putCostSettings({ ctx: ctx.services, input }),
    ),
});
