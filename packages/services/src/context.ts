import type { Logger } from "pino";

import type { ResourcePrice } from "@kubewise/core";
import type { DbExecutor } from "@kubewise/db";
import type { LstmWeights, Recommender } from "@kubewise/ml";

import type { HpaSource } from "./cluster-sync/hpas";
import type { RecommendationPublisher } from "./cluster-sync/plan";
import type { NotificationSender } from "./notifications/transport";

export const ROLES = ["viewer", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** namespace "*" covers every namespace of the cluster. */
export type NamespaceScope = { clusterId: string; namespace: string };

export type Actor = {
  /** A user id (uuid), or "system:<component>" for the aggregator's loops. */
  userId: string;
  role: Role;
  scopes: "all" | NamespaceScope[];
};

export type Clock = { now(): Date };

export type ServicePorts = {
  /** Encodes a forecaster as the ONNX file agents load (@kubewise/ml/onnx; federated rounds). */
  encodeModel?: (weights: LstmWeights) => Uint8Array;
  /** The recommender the aggregator's loop runs (a @kubewise/ml Recommender). */
  recommender?: Recommender;
  /** ResourceRecommendation objects of the cluster the aggregator runs in (syncRecommendationsToCluster). */
  clusterPublisher?: RecommendationPublisher;
  /** The cluster's autoscaling/v2 HPAs, stored by the cluster sync for HPA-aware sizing. */
  hpaSource?: HpaSource;
  /** Delivers alert notifications (webhook, Slack, SMTP) for deliverNotifications. */
  notificationSender?: NotificationSender;
  /** The namespace's step cap (kubewise.io/max-step-ratio); core DEFAULT_MAX_STEP_RATIO when absent. */
  maxStepRatio?: (namespace: string) => Promise<number>;
};

export type ServiceContext = {
  db: DbExecutor;
  actor: Actor;
  clock: Clock;
  logger: Logger;
  ports: ServicePorts;
  /** Prices used for cost figures; OpenCost's defaults when absent. */
  price?: ResourcePrice;
};

/** For the verbs that run before anyone is authenticated (login, bearer-token lookup). */
export type PublicContext = Omit<ServiceContext, "actor">;

export const SYSTEM_ACTOR: Actor = Object.freeze({
  userId: "system:aggregator",
  role: "admin",
  scopes: "all",
});

export const SYSTEM_CLOCK: Clock = { now: () => new Date() };

/** A clock that always reads `at`: how suites (E2E_NOW) and tests pin the product's "now". */
export function createPinnedClock(at: Date): Clock {
  const atMs = at.getTime();
  if (!Number.isFinite(atMs))
    throw new RangeError("a pinned clock needs a valid instant");
  return { now: () => new Date(atMs) };
}
