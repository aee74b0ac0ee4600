import {
  createApiToken,
  CreateApiTokenInputSchema,
  listApiTokens,
  ListApiTokensInputSchema,
  revokeApiToken,
  RevokeApiTokenInputSchema,
} from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const tokenRouter = createTRPCRouter({
  list: authedProcedure
    .input(ListApiTokensInputSchema)
    .query(({ ctx, input }) => listApiTokens({ ctx: ctx.services, input })),
  create: authedProcedure
    .input(CreateApiTokenInputSchema)
    .mutation(({ ctx, input }) => createApiToken({ ctx: ctx.services, input })),
  revoke: authedProcedure
    .input(RevokeApiTokenInputSchema)
    .mutation(({ ctx, input }) => revokeApiToken({ ctx: ctx.services, input })),
});
