import { z } from "zod";

import {
  NamespaceSafetyConfigSchema,
  RECOMMENDATION_PHASES,
} from "@kubewise/core";
import {
  approveRecommendation,
  ApproveRecommendationInputSchema,
  createBudget,
  CreateBudgetInputSchema,
  deleteBudget,
  dryRunRecommendation,
  exportAllocationCsv,
  exportRecommendationsCsv,
  getAllocation,
  getCosts,
  getCostSettings,
  getCurrentUser,
  getRecommendation,
  getSafetyConfig,
  getSavings,
  listAnomalies,
  ListAnomaliesInputSchema,
  listBudgets,
  listClusters,
  listRecommendations,
  parseSinceDays,
  putCostSettings,
  PutCostSettingsInputSchema,
  putSafetyConfig,
  RecommendationPageSchema,
  RecommendationSortSchema,
  rejectRecommendation,
  RejectRecommendationInputSchema,
} from "@kubewise/services";
import type { ServiceContext } from "@kubewise/services";

import { csvResponse } from "../http/csv";
import { defineRoute } from "./define";
import type { RestRoute } from "./define";

const IdParams = z.object({ id: z.uuid() });
const NamespaceParams = z.object({ namespace: z.string().min(1).max(63) });
const ClusterQuery = z.object({
  clusterId: z.uuid().optional().describe("the cluster's id"),
  cluster: z
    .string()
    .min(1)
    .max(253)
    .optional()
    .describe(
      "the cluster's name, e.g. east (unknown: 404); without clusterId or cluster, reads cover every cluster (sums over the clusters)",
    ),
});
const intParam = z.coerce.number().int();
const boolParam = z
  .enum(["true", "false"])
  .transform((value) => value === "true");
const listParam = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((value) => value.split(",").filter((part) => part.length > 0))
    .pipe(z.array(z.enum(values)).min(1));

const formatParam = z
  .enum(["json", "csv"])
  .default("json")
  .describe("json (default) or csv (a download)");
const commaList = z
  .string()
  .transform((value) => value.split(",").filter((part) => part.length > 0));

const AllocationQuery = ClusterQuery.extend({
  window: z
    .string()
    .default("7d")
    .describe(
      "24h, 7d, 30d (<n>h or <n>d), today, yesterday, week, month, lastweek, lastmonth, or <RFC3339>,<RFC3339>",
    ),
  aggregate: z
    .string()
    .default("namespace")
    .describe(
      "cluster, namespace, controllerKind, controller, container or label:<key>",
    ),
  idle: boolParam.optional().describe("show idle capacity (default true)"),
  shareIdle: boolParam
    .optional()
    .describe("spread idle over the tenants (default: the cluster setting)"),
  shareNamespaces: commaList
    .optional()
    .describe(
      "namespaces whose cost is split over the others, e.g. kube-system,monitoring",
    ),
  format: formatParam,
});

const ListRecommendationsQuery = ClusterQuery.extend({
  namespace: z.string().min(1).optional(),
  workloadId: z.uuid().optional(),
  containerId: z.uuid().optional(),
  format: formatParam,
  phase: listParam(RECOMMENDATION_PHASES)
    .optional()
    .describe("comma-separated phases, e.g. Pending,Approved"),
  minConfidence: z.coerce.number().min(0).max(1).optional(),
  sort: RecommendationSortSchema.optional(),
  limit: intParam.min(1).max(500).optional(),
  offset: intParam.min(0).optional(),
});

const ListAnomaliesQuery = ClusterQuery.extend({
  namespace: z.string().min(1).optional(),
  kind: ListAnomaliesInputSchema.shape.kind,
  includeResolved: boolParam.optional(),
  limit: intParam.min(1).max(500).optional(),
  offset: intParam.min(0).optional(),
});

const PutSafetyQuery = ClusterQuery.extend({
  allowFutureNamespace: boolParam
    .optional()
    .describe("true to configure a namespace no workload has been seen in yet"),
});

const SavingsQuery = ClusterQuery.extend({
  since: z.string().default("30d").describe("window, e.g. 30d"),
});

const CostSettingsBody = PutCostSettingsInputSchema.omit({ clusterId: true });

type Ctx = ServiceContext;

export const REST_ROUTES: readonly RestRoute<Ctx>[] = [
  defineRoute<Ctx>({
    method: "GET",
    path: "/me",
    operationId: "getCurrentUser",
    summary: "The caller: email, role and namespace scopes",
    run: ({ ctx }) => getCurrentUser({ ctx }),
  }),
  defineRoute<Ctx>({
    method: "GET",
    path: "/clusters",
    operationId: "listClusters",
    summary:
      "The clusters of this install (id and name); ?cluster=<name> selects one elsewhere",
    run: ({ ctx }) => listClusters({ ctx }),
  }),
  defineRoute<Ctx, z.ZodType<undefined>, typeof ListRecommendationsQuery>({
    method: "GET",
    path: "/recommendations",
    operationId: "listRecommendations",
    summary:
      "List recommendations (filters: namespace, phase, minConfidence; sorted by savings)",
    query: ListRecommendationsQuery,
    response: RecommendationPageSchema,
    run: async ({ ctx, query }) => {
      const { format, ...filters } = query;
      if (format === "csv") {
        const { limit: _limit, offset: _offset, ...all } = filters;
        return csvResponse(
          await exportRecommendationsCsv({ ctx, input: all }),
          "recommendations.csv",
        );
      }
      return listRecommendations({ ctx, input: filters });
    },
  }),
  defineRoute<Ctx, typeof IdParams>({
    method: "GET",
    path: "/recommendations/{id}",
    operationId: "getRecommendation",
    summary:
      "One recommendation with usage history, the next-24 h forecast, patch and audit trail",
    params: IdParams,
    run: ({ ctx, params }) =>
      getRecommendation({ ctx, input: { id: params.id } }),
  }),
  defineRoute<Ctx, typeof IdParams>({
    method: "POST",
    path: "/recommendation/{id}/dry-run",
    operationId: "dryRunRecommendation",
    summary:
      "Dry-run: the patch and the diff against the current resources, nothing applied",
    params: IdParams,
    run: ({ ctx, params }) =>
      dryRunRecommendation({ ctx, input: { id: params.id } }),
  }),
  defineRoute({
    method: "POST",
    path: "/recommendation/{id}/approve",
    operationId: "approveRecommendation",
    summary: "Approve a pending recommendation",
    params: IdParams,
    body: ApproveRecommendationInputSchema.omit({ id: true }),
    run: ({
      ctx,
      params,
      body,
    }: {
      ctx: Ctx;
      params: z.output<typeof IdParams>;
      body: { comment?: string };
    }) => approveRecommendation({ ctx, input: { ...body, id: params.id } }),
  }),
  defineRoute({
    method: "POST",
    path: "/recommendation/{id}/reject",
    operationId: "rejectRecommendation",
    summary: "Reject a pending recommendation with a reason",
    params: IdParams,
    body: RejectRecommendationInputSchema.omit({ id: true }),
    run: ({
      ctx,
      params,
      body,
    }: {
      ctx: Ctx;
      params: z.output<typeof IdParams>;
      body: { reason: string };
    }) =>
      rejectRecommendation({
        ctx,
        input: { reason: body.reason, id: params.id },
      }),
  }),
  defineRoute<Ctx, z.ZodType<undefined>, typeof ClusterQuery>({
    method: "GET",
    path: "/costs",
    operationId: "getCosts",
    summary:
      "Monthly cost now and after recommendations, by namespace, top wasteful workloads",
    query: ClusterQuery,
    run: ({ ctx, query }) => getCosts({ ctx, input: query }),
  }),
  defineRoute<Ctx, z.ZodType<undefined>, typeof AllocationQuery>({
    method: "GET",
    path: "/allocation",
    operationId: "getAllocation",
    summary:
      "Cost allocation the OpenCost way: window, aggregate (namespace, controller, label:<key>, ...), idle and shared cost",
    query: AllocationQuery,
    run: async ({ ctx, query }) => {
      const { format, ...input } = query;
      return format === "csv"
        ? csvResponse(
            await exportAllocationCsv({ ctx, input }),
            "allocation.csv",
          )
        : getAllocation({ ctx, input });
    },
  }),
  defineRoute<Ctx, z.ZodType<undefined>, typeof ClusterQuery>({
    method: "GET",
    path: "/cost-settings",
    operationId: "getCostSettings",
    summary:
      "Prices in effect (list or custom sheet), label keys and shared-cost rules",
    query: ClusterQuery,
    run: ({ ctx, query }) => getCostSettings({ ctx, input: query }),
  }),
  defineRoute<
    Ctx,
    z.ZodType<undefined>,
    typeof ClusterQuery,
    typeof CostSettingsBody
  >({
    method: "PUT",
    path: "/cost-settings",
    operationId: "putCostSettings",
    summary:
      "Replace the cost settings (pricingCsv: a custom sheet resource,unit,hourly_usd)",
    query: ClusterQuery,
    body: CostSettingsBody,
    run: ({ ctx, query, body }) =>
      putCostSettings({ ctx, input: { ...body, ...query } }),
  }),
  defineRoute<Ctx, z.ZodType<undefined>, typeof SavingsQuery>({
    method: "GET",
    path: "/savings",
    operationId: "getSavings",
    summary: "Projected vs realized savings since N days, by namespace",
    query: SavingsQuery,
    run: ({ ctx, query }) =>
      getSavings({
        ctx,
        input: {
          clusterId: query.clusterId,
          cluster: query.cluster,
          sinceDays: parseSinceDays(query.since),
        },
      }),
  }),
  defineRoute<Ctx, z.ZodType<undefined>, typeof ClusterQuery>({
    method: "GET",
    path: "/budgets",
    operationId: "listBudgets",
    summary:
      "Monthly budgets (per namespace or label value) with month to date and month-end forecast",
    query: ClusterQuery,
    run: ({ ctx, query }) => listBudgets({ ctx, input: query }),
  }),
  defineRoute<
    Ctx,
    z.ZodType<undefined>,
    z.ZodType<undefined>,
    typeof CreateBudgetInputSchema
  >({
    method: "POST",
    path: "/budgets",
    operationId: "createBudget",
    summary:
      "Create a monthly budget: scopeKind namespace (scopeValue = the namespace) or label (scopeKey=scopeValue)",
    body: CreateBudgetInputSchema,
    run: ({ ctx, body }) => createBudget({ ctx, input: body }),
  }),
  defineRoute<Ctx, typeof IdParams>({
    method: "POST",
    path: "/budget/{id}/delete",
    operationId: "deleteBudget",
    summary: "Delete a budget (its alerts stay in the history)",
    params: IdParams,
    run: ({ ctx, params }) => deleteBudget({ ctx, input: { id: params.id } }),
  }),
  defineRoute<Ctx, z.ZodType<undefined>, typeof ListAnomaliesQuery>({
    method: "GET",
    path: "/anomalies",
    operationId: "listAnomalies",
    summary:
      "Open anomalies: memory leaks, CPU spikes and OOM risk with time-to-limit",
    query: ListAnomaliesQuery,
    run: ({ ctx, query }) => listAnomalies({ ctx, input: query }),
  }),
  defineRoute<Ctx, typeof NamespaceParams, typeof ClusterQuery>({
    method: "GET",
    path: "/safety/config/{namespace}",
    operationId: "getSafetyConfig",
    summary: "A namespace's safety settings",
    params: NamespaceParams,
    query: ClusterQuery,
    response: NamespaceSafetyConfigSchema,
    run: ({ ctx, params, query }) =>
      getSafetyConfig({
        ctx,
        input: { ...query, namespace: params.namespace },
      }),
  }),
  defineRoute<
    Ctx,
    typeof NamespaceParams,
    typeof PutSafetyQuery,
    typeof NamespaceSafetyConfigSchema
  >({
    method: "PUT",
    path: "/safety/config/{namespace}",
    operationId: "putSafetyConfig",
    summary: "Replace a namespace's safety settings",
    params: NamespaceParams,
    query: PutSafetyQuery,
    body: NamespaceSafetyConfigSchema,
    run: ({ ctx, params, query, body }) =>
      putSafetyConfig({
        ctx,
        input: { ...query, namespace: params.namespace, config: body },
      }),
  }),
];

export function findRoute(
  method: string,
  path: string,
): RestRoute<Ctx> | undefined {
  return REST_ROUTES.find(
    (route) => route.method === method && route.path === path,
  );
}
