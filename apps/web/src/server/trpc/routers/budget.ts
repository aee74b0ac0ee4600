import {
  createBudget,
  CreateBudgetInputSchema,
  CreateChannelInputSchema,
  createNotificationChannel,
  deleteBudget,
  DeleteBudgetInputSchema,
  listAlerts,
  ListAlertsInputSchema,
  listBudgets,
  ListBudgetsInputSchema,
  ListChannelsInputSchema,
  listNotificationChannels,
} from "@kubewise/services";

import { authedProcedure, createTRPCRouter } from "../init";

export const budgetRouter = createTRPCRouter({
  list: authedProcedure
    .input(ListBudgetsInputSchema)
    .query(({ ctx, input }) => listBudgets({ ctx: ctx.services, input })),
  create: authedProcedure
    .input(CreateBudgetInputSchema)
    .mutation(({ ctx, input }) => createBudget({ ctx: ctx.services, input })),
  delete: authedProcedure
    .input(DeleteBudgetInputSchema)
    .mutation(({ ctx, input }) => deleteBudget({ ctx: ctx.services, input })),
  alerts: authedProcedure
    .input(ListAlertsInputSchema)
    .query(({ ctx, input }) => listAlerts({ ctx: ctx.services, input })),
  channels: authedProcedure
    .input(ListChannelsInputSchema)
    .query(({ ctx, input }) =>
      listNotificationChannels({ ctx: ctx.services, input }),
    ),
  createChannel: authedProcedure
    .input(CreateChannelInputSchema)
    .mutation(({ ctx, input }) =>
      createNotificationChannel({ ctx: ctx.services, input }),
    ),
});
