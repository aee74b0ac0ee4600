import { createTRPCRouter, publicProcedure } from "../init";

export const statusRouter = createTRPCRouter({
  get: publicProcedure.query(({ ctx }) => ctx.getStatus()),
});
