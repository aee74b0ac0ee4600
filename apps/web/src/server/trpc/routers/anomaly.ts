import { listAnomalies, ListAnomaliesInputSchema } from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const anomalyRouter = createTRPCRouter({
  list: authedProcedure
    .input(ListAnomaliesInputSchema)
    .query(({ ctx, input }) => listAnomalies({ ctx: ctx.services, input })),
});
