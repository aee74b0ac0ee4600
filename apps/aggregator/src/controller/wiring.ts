import type { Logger } from "pino";

import {
  createHpaSource,
  type AuditSink,
  type LifecycleController,
  type PolicyResolver,
} from "@kubewise/controller";
import type { ServiceContext } from "@kubewise/services";

import {
  createClusterPublisher,
  startClusterSync,
  type ClusterSync,
} from "./cluster-sync";
import {
  createControllerClients,
  createPolicyResolver,
  startLifecycleController,
  type LifecycleControllerConfig,
} from "./lifecycle";

export type ControllerLoops = {
  controller: LifecycleController;
  clusterSync: ClusterSync;
  /** The namespaces' step caps for the recommendation pass (ServicePorts.maxStepRatio). */
  policyFor: PolicyResolver;
};

/**
 * The lifecycle controller and the dashboard <-> ResourceRecommendation sync over one set of
 * clients and one namespace-policy resolver; the sync runs on the controller's Lease holder only.
 */
export function startControllerLoops(deps: {
  config: LifecycleControllerConfig;
  ctx: ServiceContext;
  clusterId: string;
  sampleIntervalSeconds: number;
  audit: AuditSink;
  logger: Logger;
}): ControllerLoops {
  const { config, ctx, logger } = deps;
  const clients = createControllerClients(config);
  const policyFor = createPolicyResolver(clients, config);
  const controller = startLifecycleController({
    config,
    clients,
    policyFor,
    logger,
    audit: deps.audit,
    // Rollback on throttling / OOM kills and the working-set floor use the agents' samples.
    signals: {
      ctx,
      clusterId: deps.clusterId,
      sampleIntervalSeconds: deps.sampleIntervalSeconds,
    },
  });
  const clusterSync = startClusterSync({
    ctx: {
      db: ctx.db,
      clock: ctx.clock,
      logger,
      ports: { hpaSource: createHpaSource(clients) },
    },
    publisher: createClusterPublisher(clients, logger),
    clusterId: deps.clusterId,
    intervalMs: config.intervalMs,
    logger,
    leader: controller,
  });
  return { controller, clusterSync, policyFor };
}
