import {
  getModelRegistry,
  GetModelRegistryInputSchema,
} from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const modelRouter = createTRPCRouter({
  registry: authedProcedure
    .input(GetModelRegistryInputSchema)
    .query(({ ctx, input }) => getModelRegistry({ ctx: ctx.services, input })),
});
