// The cluster's autoscaling/v2 HPAs into the DB, once per cluster-sync round (issue 13 item 6): the
// recommendation pass reads them to keep clear of the request/utilisation spiral.
import { HpaObservationSchema, type HpaObservation } from "@kubewise/core";
import { replaceClusterHpas } from "@kubewise/db";

import type { ServiceContext } from "../context";

/** Lists the cluster's HPAs (the controller's client-node adapter in the aggregator). */
export type HpaSource = { list(): Promise<HpaObservation[]> };

export type HpaSyncResult =
  | { status: "synced"; listed: number; written: number; refused: number }
  /** No source configured, or the listing failed (logged; the stored HPAs stay as they were). */
  | { status: "skipped" | "failed" };

/** Replaces the cluster's stored HPAs with one listing; an HPA that fails validation is counted, not stored. */
export async function syncClusterHpas(
  ctx: ServiceContext,
  clusterId: string,
): Promise<HpaSyncResult> {
  const source = ctx.ports.hpaSource;
  if (!source) return { status: "skipped" };
  let listed: HpaObservation[];
  try {
    listed = await source.list();
  } catch (error) {
    ctx.logger.warn(
      { err: error, clusterId },
      "listing HorizontalPodAutoscalers failed; the stored ones stay until the next round",
    );
    return { status: "failed" };
  }
  const valid: HpaObservation[] = [];
  for (const hpa of listed) {
    const parsed = HpaObservationSchema.safeParse(hpa);
    if (parsed.success) valid.push(parsed.data);
    else
      ctx.logger.warn(
        { hpa: `${hpa.namespace}/${hpa.name}`, issues: parsed.error.issues },
        "HorizontalPodAutoscaler ignored: not a shape Kubewise understands",
      );
  }
  const written = await replaceClusterHpas(ctx.db, {
    clusterId,
    hpas: valid,
    at: ctx.clock.now(),
  });
  return {
    status: "synced",
    listed: valid.length,
    written,
    refused: listed.length - valid.length,
  };
}
