import { toPublicStatus } from "../../status";
import { authedProcedure, createTRPCRouter, publicProcedure } from "../init";

export const statusRouter = createTRPCRouter({
  get: publicProcedure.query(async ({ ctx }) =>
    toPublicStatus(await ctx.getStatus()),
  ),
  details: authedProcedure.query(({ ctx }) => ctx.getStatus()),
});
