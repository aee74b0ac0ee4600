import { createCallerFactory, createTRPCRouter } from "./init";
import { anomalyRouter } from "./routers/anomaly";
import { auditRouter } from "./routers/audit";
import { budgetRouter } from "./routers/budget";
import { clusterRouter } from "./routers/cluster";
import { costRouter } from "./routers/cost";
import { modelRouter } from "./routers/model";
import { recommendationRouter } from "./routers/recommendation";
import { safetyRouter } from "./routers/safety";
import { statusRouter } from "./routers/status";
import { tokenRouter } from "./routers/token";

export const appRouter = createTRPCRouter({
  status: statusRouter,
  recommendation: recommendationRouter,
  cluster: clusterRouter,
  cost: costRouter,
  anomaly: anomalyRouter,
  model: modelRouter,
  safety: safetyRouter,
  audit: auditRouter,
  budget: budgetRouter,
  token: tokenRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
