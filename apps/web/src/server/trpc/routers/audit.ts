import {
  listAuditEntries,
  ListAuditEntriesInputSchema,
  verifyAuditChain,
  VerifyAuditChainInputSchema,
} from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const auditRouter = createTRPCRouter({
  list: authedProcedure
    .input(ListAuditEntriesInputSchema)
    .query(({ ctx, input }) => listAuditEntries({ ctx: ctx.services, input })),
  verify: authedProcedure
    .input(VerifyAuditChainInputSchema)
    .query(({ ctx, input }) => verifyAuditChain({ ctx: ctx.services, input })),
});
