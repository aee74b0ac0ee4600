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
  type ControllerPolicy,
  type KubeClients,
  type LifecycleController,
  type PolicyResolver,
  type RolloutSignals,
  type SignalsQuery,
} from "@kubewise/controller";
import { getRolloutSignals, type ServiceContext } from "@kubewise/services";

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
  /** Gradual rollout shares, ascending, ending with 1 (default 10 / 25 / 50 / 100 %). */
  rolloutSteps?: number[];
  stepWindowSeconds?: number;
  /** Length of the pre-change baseline for rollback signals (default 1 h). */
  baselineWindowSeconds?: number;
  /** The cluster-wide step cap (namespaces may tighten it). */
  maxStepRatio?: number;
  kubeconfigPath?: string;
};

/** Where rollback signals come from: the metric samples the agents stored (services verb). */
export type RolloutSignalsSource = {
  ctx: ServiceContext;
  clusterId: string;
  /** The agents' collection interval (each sample's counters cover it). */
  sampleIntervalSeconds: number;
  /** Length of the pre-change baseline window (default 1 h). */
  baselineSeconds?: number;
};

const DEFAULT_BASELINE_SECONDS = 3600;

/** The controller's signalsFor port over getRolloutSignals (metric_samples in the database). */
export function createSignalsReader(
  source: RolloutSignalsSource,
): (query: SignalsQuery) => Promise<RolloutSignals> {
  return (query) =>
    getRolloutSignals({
      ctx: source.ctx,
      input: {
        ...query,
        clusterId: source.clusterId,
        baselineSeconds: source.baselineSeconds ?? DEFAULT_BASELINE_SECONDS,
        sampleIntervalSeconds: source.sampleIntervalSeconds,
      },
    });
}

function toControllerPolicy(
  config: LifecycleControllerConfig,
): ControllerPolicy {
  return {
    ...DEFAULT_CONTROLLER_POLICY,
    minConfidence: config.minConfidence,
    observationWindowSeconds: config.observationWindowSeconds,
    ...(config.rolloutSteps ? { rolloutSteps: config.rolloutSteps } : {}),
    ...(config.stepWindowSeconds === undefined
      ? {}
      : { stepWindowSeconds: config.stepWindowSeconds }),
    ...(config.maxStepRatio === undefined
      ? {}
      : { maxStepRatio: config.maxStepRatio }),
  };
}

export function createControllerClients(
  config: Pick<LifecycleControllerConfig, "kubeconfigPath">,
): KubeClients {
  return createKubeClients(
    loadKubeConfig(
      config.kubeconfigPath ? { kubeconfigPath: config.kubeconfigPath } : {},
    ),
  );
}

/** Wires the lifecycle controller's adapters and starts its loop; main.ts only calls this. */
export function startLifecycleController(deps: {
  config: LifecycleControllerConfig;
  clients: KubeClients;
  policyFor: PolicyResolver;
  logger: ControllerLogger;
  audit: AuditSink;
  signals: RolloutSignalsSource;
}): LifecycleController {
  const { config, logger, audit, clients } = deps;
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
    policyFor: deps.policyFor,
    signalsFor: createSignalsReader({
      ...deps.signals,
      baselineSeconds:
        deps.signals.baselineSeconds ?? config.baselineWindowSeconds,
    }),
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

/** Each namespace's safety rules from its labels and annotations, cached for 30 s. */
export function createPolicyResolver(
  clients: KubeClients,
  config: LifecycleControllerConfig,
): PolicyResolver {
  return createNamespacePolicyResolver(clients, {
    base: toControllerPolicy(config),
    ttlMs: 30_000,
  });
}
