import type { z } from "zod";

import { authorize } from "../auth/authorize";
import type { ServiceContext } from "../context";
import { listRecommendations } from "../recommendations/list";
import {
  ListRecommendationsInputSchema,
  type RecommendationSummary,
} from "../recommendations/schemas";
import { allocationToCsv, toCsv } from "./csv";
import { getAllocation, GetAllocationInputSchema } from "./get-allocation";

const EXPORT_PAGE = 500;
const EXPORT_MAX_ROWS = 100_000;

export const ExportAllocationCsvInputSchema = GetAllocationInputSchema;
export type ExportAllocationCsvInput = z.input<
  typeof ExportAllocationCsvInputSchema
>;

/** The allocation report as CSV (same numbers as GET /api/v1/allocation). */
export async function exportAllocationCsv({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ExportAllocationCsvInput;
}): Promise<string> {
  authorize(ctx, "exportAllocationCsv");
  return allocationToCsv(await getAllocation({ ctx, input }));
}

export const ExportRecommendationsCsvInputSchema =
  ListRecommendationsInputSchema.omit({
    limit: true,
    offset: true,
  });
export type ExportRecommendationsCsvInput = z.input<
  typeof ExportRecommendationsCsvInputSchema
>;

const RECOMMENDATION_COLUMNS: [
  string,
  (r: RecommendationSummary) => string | number,
][] = [
  ["id", (r) => r.id],
  ["namespace", (r) => r.namespace],
  ["workload_kind", (r) => r.workloadKind],
  ["workload", (r) => r.workloadName],
  ["container", (r) => r.containerName],
  ["phase", (r) => r.phase],
  ["confidence", (r) => r.confidence.toFixed(3)],
  ["cpu_request_millicores", (r) => r.current.cpuRequestMillicores ?? ""],
  [
    "recommended_cpu_request_millicores",
    (r) => r.recommended.cpuRequestMillicores ?? "",
  ],
  ["cpu_limit_millicores", (r) => r.current.cpuLimitMillicores ?? ""],
  [
    "recommended_cpu_limit_millicores",
    (r) => r.recommended.cpuLimitMillicores ?? "",
  ],
  ["memory_request_bytes", (r) => r.current.memoryRequestBytes ?? ""],
  [
    "recommended_memory_request_bytes",
    (r) => r.recommended.memoryRequestBytes ?? "",
  ],
  ["memory_limit_bytes", (r) => r.current.memoryLimitBytes ?? ""],
  [
    "recommended_memory_limit_bytes",
    (r) => r.recommended.memoryLimitBytes ?? "",
  ],
  [
    "projected_monthly_savings_usd",
    (r) => (r.projectedMonthlySavingsMicroUsd / 1e6).toFixed(6),
  ],
  ["created_at", (r) => r.createdAt.toISOString()],
];

/** Every recommendation matching the filters shown on screen, as CSV (all pages). */
export async function exportRecommendationsCsv({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: ExportRecommendationsCsvInput;
}): Promise<string> {
  authorize(ctx, "exportRecommendationsCsv");
  const filters = ExportRecommendationsCsvInputSchema.parse(input);
  const rows: RecommendationSummary[] = [];
  for (let offset = 0; offset < EXPORT_MAX_ROWS; offset += EXPORT_PAGE) {
    const page = await listRecommendations({
      ctx,
      input: { ...filters, limit: EXPORT_PAGE, offset },
    });
    rows.push(...page.items);
    if (page.nextOffset === null) break;
  }
  return toCsv(
    RECOMMENDATION_COLUMNS.map(([name]) => name),
    rows.map((r) => RECOMMENDATION_COLUMNS.map(([, value]) => value(r))),
  );
}
