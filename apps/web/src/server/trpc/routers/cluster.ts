import { listClusters } from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const clusterRouter = createTRPCRouter({
  list: authedProcedure.query(({ ctx }) => listClusters({ ctx: ctx.services })),
});
