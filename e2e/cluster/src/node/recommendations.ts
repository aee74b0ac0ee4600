// The ResourceRecommendations of the test workloads as kubectl shows them, and their approval over
// the REST API as an approver does it.
import type { SuiteDb } from "./database";
import { latestRecommendation } from "./database";
import { E2E, kubectlSync, type NodeSuiteContext } from "./release";
import { until } from "./wait";
import { APPS_NAMESPACE, serviceIp } from "./workloads";

export type Rec = {
  metadata: { name: string };
  spec: {
    containers: {
      name: string;
      requests?: { cpu?: string; memory?: string };
    }[];
    approval?: { state?: string };
  };
  status?: {
    phase?: string;
    specHash?: string;
    conditions?: {
      type: string;
      status?: string;
      reason?: string;
      message?: string;
    }[];
    canary?: { pods?: string[] };
  };
};

export function recommendationsIn(
  ctx: NodeSuiteContext,
  namespace: string,
): Rec[] {
  return (
    JSON.parse(
      kubectlSync(ctx, [
        "-n",
        namespace,
        "get",
        "resourcerecommendations",
        "-o",
        "json",
      ]),
    ) as { items: Rec[] }
  ).items;
}

/** The ResourceRecommendation of a test Deployment (named deployment-<workload>), if there is one. */
export const recommendationOf = (ctx: NodeSuiteContext, workload: string) =>
  recommendationsIn(ctx, APPS_NAMESPACE).find(
    (r) => r.metadata.name === `deployment-${workload}`,
  );

/**
 * Approves the container's current recommendation over REST until `acted` (which throws when it
 * times out) sees the controller act on it. The recommender passes every 20 s here: a pass may
 * supersede the recommendation just approved (its spec changes, the approval goes stale), so the
 * current one is approved again, up to three times.
 */
export async function approveOverRest<T>(
  ctx: NodeSuiteContext,
  client: SuiteDb,
  options: {
    containerId: string;
    token: string;
    comment: string;
    acted: () => Promise<T>;
  },
): Promise<{ result: T; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    const rec = await until(
      () => latestRecommendation(client, options.containerId),
      {
        timeoutMs: 60_000,
        what: `the recommendation of container ${options.containerId} in the database`,
      },
    );
    const res = await fetch(
      `http://${serviceIp(ctx, `${E2E.release}-web`)}/api/v1/recommendation/${rec.id}/approve`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.token}`,
          "content-type": "application/json",
          origin: new URL(E2E.webUrl).origin,
        },
        body: JSON.stringify({ comment: options.comment }),
      },
    );
    if (res.status !== 200)
      throw new Error(
        `approving ${rec.id} over REST gave HTTP ${res.status}: ${await res.text()}`,
      );
    try {
      return { result: await options.acted(), attempts: attempt };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}
