import {
  combineAuditSinks,
  createEventAuditSink,
  createKubeClients,
  createLeaseElector,
  createLifecycleController,
  createNamespacePolicyResolver,
  createRecommendationStore,
  createWorkloadStore,
  DEFAULT_CONTROLLER_POLICY,
  loadKubeConfig,
  type AuditSink,
  type ControllerLogger,
  type LifecycleController,
} from "@kubewise/k8s";

/** Built by main.ts from src/env.ts (KUBEWISE_POD_NAME, KUBEWISE_NAMESPACE, KUBEWISE_LEASE_NAME, ...). */
export type LifecycleControllerConfig = {
  /** Pod name: unique per replica, so the Lease holder is identifiable. */
  identity: string;
  /** Namespace of the aggregator's Lease (the Helm release namespace). */
  namespace: string;
  leaseName: string;
  leaseDurationSeconds: number;
  intervalMs: number;
  minConfidence: number;
  observationWindowSeconds: number;
  kubeconfigPath?: string;
};

/** Wires the lifecycle controller's adapters and starts its loop; main.ts only calls this. */
export function startLifecycleController(deps: {
  config: LifecycleControllerConfig;
  logger: ControllerLogger;
  audit: AuditSink;
}): LifecycleController {
  const { config, logger, audit } = deps;
  const clients = createKubeClients(
    loadKubeConfig(
      config.kubeconfigPath ? { kubeconfigPath: config.kubeconfigPath } : {},
    ),
  );
  const base = {
    ...DEFAULT_CONTROLLER_POLICY,
    minConfidence: config.minConfidence,
    observationWindowSeconds: config.observationWindowSeconds,
  };
  const controller = createLifecycleController({
    recommendations: createRecommendationStore(clients),
    workloads: createWorkloadStore(clients),
    elector: createLeaseElector(clients, {
      namespace: config.namespace,
      leaseName: config.leaseName,
      identity: config.identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
    }),
    audit: combineAuditSinks(
      audit,
      createEventAuditSink(clients, { instance: config.identity }),
    ),
    logger,
    policyFor: createNamespacePolicyResolver(clients, { base, ttlMs: 30_000 }),
  });
  controller.start({ intervalMs: config.intervalMs });
  logger.info(
    {
      identity: config.identity,
      lease: `${config.namespace}/${config.leaseName}`,
    },
    "lifecycle controller started",
  );
  return controller;
}
