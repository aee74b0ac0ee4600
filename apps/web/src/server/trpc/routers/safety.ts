import {
  getSafetyConfig,
  GetSafetyConfigInputSchema,
  putSafetyConfig,
  PutSafetyConfigInputSchema,
} from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const safetyRouter = createTRPCRouter({
  get: authedProcedure
    .input(GetSafetyConfigInputSchema)
    .query(({ ctx, input }) => getSafetyConfig({ ctx: ctx.services, input })),
  put: authedProcedure
    .input(PutSafetyConfigInputSchema)
    .mutation(({ ctx, input }) =>
      putSafetyConfig({ ctx: ctx.services, input }),
    ),
});
