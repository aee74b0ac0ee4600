import { createHash } from "node:crypto";

import {
  DEFAULT_SAFETY_CONFIG,
  NotFoundError,
  type NamespaceSafetyConfig,
} from "@kubewise/core";
import {
  getRecommendationWithContext,
  getSafetyConfig,
  type DbExecutor,
  type RecommendationWithContext,
} from "@kubewise/db";

import { assertNamespaceAccess } from "../auth/authorize";
import type { Actor } from "../context";
import { applySupportOf } from "./apply-support";
import type { RecommendationSummary } from "./schemas";

export function toRecommendationSummary(
  row: RecommendationWithContext,
): RecommendationSummary {
  const { recommendation: r, container: c, workload: w } = row;
  return {
    id: r.id,
    clusterId: r.clusterId,
    namespace: w.namespace,
    workloadKind: w.kind,
    workloadName: w.name,
    containerName: c.name,
    phase: r.phase,
    policy: r.policy,
    version: r.version,
    confidence: r.confidence,
    current: {
      cpuRequestMillicores: c.cpuRequestMillicores,
      cpuLimitMillicores: c.cpuLimitMillicores,
      memoryRequestBytes: c.memoryRequestBytes,
      memoryLimitBytes: c.memoryLimitBytes,
    },
    recommended: {
      cpuRequestMillicores: r.cpuRequestMillicores,
      cpuLimitMillicores: r.cpuLimitMillicores,
      memoryRequestBytes: r.memoryRequestBytes,
      memoryLimitBytes: r.memoryLimitBytes,
    },
    projectedMonthlySavingsMicroUsd: r.projectedMonthlySavingsMicroUsd,
    apply: toApplyView(row),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toApplyView(
  row: RecommendationWithContext,
): RecommendationSummary["apply"] {
  const support = applySupportOf(row);
  return support.supported
    ? { supported: true }
    : { supported: false, reason: support.reason };
}

/** Loads a recommendation and checks the actor's namespace scope against the loaded row. */
export async function getRecommendationInScope(
  db: DbExecutor,
  actor: Actor,
  id: string,
): Promise<RecommendationWithContext> {
  const found = await getRecommendationWithContext(db, id);
  if (!found) throw new NotFoundError(`recommendation ${id} not found`);
  assertNamespaceAccess(
    actor,
    {
      clusterId: found.workload.clusterId,
      namespace: found.workload.namespace,
    },
    `recommendation ${id} not found`,
  );
  return found;
}

export async function getEffectiveSafetyConfig(
  db: DbExecutor,
  clusterId: string,
  namespace: string,
): Promise<NamespaceSafetyConfig> {
  const row = await getSafetyConfig(db, clusterId, namespace);
  if (!row) return DEFAULT_SAFETY_CONFIG;
  return {
    dryRunEnabled: row.dryRunEnabled,
    requireApproval: row.requireApproval,
    autoApplyEnabled: row.autoApplyEnabled,
    autoApplyMinConfidence: row.autoApplyMinConfidence,
    hpaMode: row.hpaMode,
  };
}

/** Binds an approval to the exact values approved (reliability-and-security §2.4). */
export function hashRecommendation({
  recommendation: r,
}: RecommendationWithContext): string {
  const canonical = JSON.stringify([
    r.id,
    r.version,
    r.cpuRequestMillicores,
    r.cpuLimitMillicores,
    r.memoryRequestBytes,
    r.memoryLimitBytes,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

export function auditSubject(recommendationId: string): string {
  return `recommendation:${recommendationId}`;
}
