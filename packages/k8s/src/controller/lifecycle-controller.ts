import {
  applyRollbackFloors,
  buildContainerRecommendations,
  buildResourceRecommendation,
  type RecommendationInput,
} from "../builders/recommendation-object";
import type { LeaderElector } from "../client/lease-elector";
import type { RecommendationStore } from "../client/recommendation-store";
import type { WorkloadRef, WorkloadStore } from "../client/workload-store";
import type { ResourceRecommendation } from "../crd/resource-recommendation";
import {
  decideReconcile,
  isStatusEqual,
  type AuditEvent,
  type ControllerPolicy,
  type ReconcileDecision,
  type WorkloadAction,
} from "./reconcile";
import {
  toSignalsWindow,
  type RolloutSignals,
  type SignalsQuery,
} from "./signals";

export type ControllerLogger = {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
};

export type AuditSink = {
  record(event: AuditEvent & { at: Date; actor: string }): Promise<void>;
};

export type LifecycleControllerDeps = {
  recommendations: RecommendationStore;
  workloads: WorkloadStore;
  elector: LeaderElector;
  audit: AuditSink;
  logger: ControllerLogger;
  policyFor: (namespace: string) => Promise<ControllerPolicy>;
  /** Throttling / OOM kills from the metric store for a rollout in progress (see toSignalsWindow). */
  signalsFor?: (query: SignalsQuery) => Promise<RolloutSignals | undefined>;
  now?: () => Date;
  /** Restrict the controller to these namespaces (namespace-scoped installs, tests); all when absent. */
  namespaces?: string[];
};

export type WriteCounts = { written: number; skipped: number; failed: number };

export type LifecycleController = {
  /** Server-side-applies recommendation objects (leader only) and their VPA-style status bounds. */
  publish(inputs: RecommendationInput[]): Promise<WriteCounts>;
  /** Reconciles every ResourceRecommendation once (leader only). */
  reconcileAll(): Promise<WriteCounts>;
  /** One election round, then a reconcile pass when leading. */
  tick(): Promise<WriteCounts>;
  start(options: { intervalMs: number }): void;
  stop(): Promise<void>;
  /** Whether this instance holds the Lease; other singleton loops (cluster sync) follow it. */
  isLeader(): boolean;
  readonly identity: string;
};

export class NotLeaderError extends Error {
  constructor(identity: string) {
    super(`instance ${identity} is not the leader; refusing to write`);
    this.name = "NotLeaderError";
  }
}

const ZERO: WriteCounts = { written: 0, skipped: 0, failed: 0 };

export function createLifecycleController(
  deps: LifecycleControllerDeps,
): LifecycleController {
  const { recommendations, workloads, elector, audit, logger } = deps;
  const now = deps.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function listRecommendations(): Promise<ResourceRecommendation[]> {
    if (!deps.namespaces) return recommendations.list();
    const lists = await Promise.all(
      deps.namespaces.map((ns) => recommendations.list(ns)),
    );
    return lists.flat();
  }

  function assertLeader(): void {
    if (!elector.isLeader()) throw new NotLeaderError(elector.identity);
  }

  async function publishOne(
    input: RecommendationInput,
    existing: ResourceRecommendation | undefined,
  ): Promise<void> {
    let target = input.target;
    if (!target.uid) {
      const observed = await workloads.observe({
        ...target,
        namespace: input.namespace,
      });
      if (observed?.uid) target = { ...target, uid: observed.uid };
    }
    const containers = applyRollbackFloors(
      input.containers,
      existing?.status?.rolledBack,
    );
    const object = buildResourceRecommendation({
      ...input,
      target,
      containers,
    });
    assertLeader();
    const applied = await recommendations.apply(object);
    const status = {
      ...applied.status,
      containerRecommendations: buildContainerRecommendations(containers),
    };
    if (isStatusEqual(applied.status, status)) return;
    assertLeader();
    await recommendations.applyStatus(object.metadata, status);
  }

  async function performAction(
    ref: WorkloadRef,
    action: WorkloadAction,
  ): Promise<void> {
    switch (action.type) {
      case "apply":
      case "partition":
        return workloads.patchTemplate(ref, action.patch);
      case "rollback":
        return workloads.rollbackTemplate(ref, action.patch);
      case "resize":
        for (const pod of action.pods)
          await workloads.resizePod(
            { namespace: ref.namespace, name: pod },
            action.patch,
          );
    }
  }

  async function readSignals(
    rec: ResourceRecommendation,
    ref: WorkloadRef,
  ): Promise<RolloutSignals | undefined> {
    const window = toSignalsWindow(rec.status, rec.metadata.generation ?? 0);
    if (!window || !deps.signalsFor) return undefined;
    try {
      return await deps.signalsFor({
        ...ref,
        ...window,
        containerNames: rec.spec.containers.map((c) => c.name),
      });
    } catch (error) {
      // Inconclusive: no rollback and no promotion is decided on missing metrics alone.
      logger.warn(
        { err: error, namespace: ref.namespace, workload: ref.name },
        "kubewise rollout signals unavailable; deciding on pod status only",
      );
      return undefined;
    }
  }

  async function reconcileOne(rec: ResourceRecommendation): Promise<boolean> {
    const { namespace } = rec.metadata;
    const ref = {
      namespace,
      kind: rec.spec.targetRef.kind,
      name: rec.spec.targetRef.name,
    };
    const [observed, policy, signals] = await Promise.all([
      workloads.observe(ref),
      deps.policyFor(namespace),
      readSignals(rec, ref),
    ]);
    const at = now();
    const decision = decideReconcile({
      recommendation: rec,
      workload: observed?.workload,
      pods: observed?.pods ?? [],
      pdbs: observed?.pdbs ?? [],
      policy,
      now: at,
      ...(signals ? { signals } : {}),
    });
    const action = decision.workloadAction;
    if (action) {
      assertLeader();
      await performAction(ref, action);
    }
    const changed = await writeStatus(rec, decision, at);
    return changed || action !== undefined;
  }

  /** Writes a changed status and its audit event; false when the status is unchanged. */
  async function writeStatus(
    rec: ResourceRecommendation,
    decision: ReconcileDecision,
    at: Date,
  ): Promise<boolean> {
    if (isStatusEqual(rec.status, decision.status)) return false;
    const { namespace, name } = rec.metadata;
    assertLeader();
    await recommendations.applyStatus({ namespace, name }, decision.status);
    if (decision.audit)
      await audit.record({
        ...decision.audit,
        at,
        actor: `controller/${elector.identity}`,
      });
    return true;
  }

  async function forEach<T>(
    items: T[],
    fn: (item: T) => Promise<boolean>,
    describe: (item: T) => Record<string, unknown>,
  ): Promise<WriteCounts> {
    const counts = { ...ZERO };
    for (const item of items) {
      try {
        if (await fn(item)) counts.written += 1;
        else counts.skipped += 1;
      } catch (error) {
        if (error instanceof NotLeaderError) {
          counts.skipped += 1;
          continue;
        }
        counts.failed += 1;
        logger.error(
          { ...describe(item), err: error },
          "kubewise controller step failed; continuing with the next object",
        );
      }
    }
    return counts;
  }

  const controller: LifecycleController = {
    identity: elector.identity,
    isLeader: () => elector.isLeader(),
    async publish(inputs) {
      if (!elector.isLeader()) return { ...ZERO, skipped: inputs.length };
      const current = new Map(
        (await listRecommendations()).map((r) => [
          `${r.metadata.namespace}/${r.metadata.name}`,
          r,
        ]),
      );
      return forEach(
        inputs,
        async (input) => {
          const key = `${input.namespace}/${buildResourceRecommendation(input).metadata.name}`;
          await publishOne(input, current.get(key));
          return true;
        },
        (input) => ({ namespace: input.namespace, target: input.target.name }),
      );
    },
    async reconcileAll() {
      if (!elector.isLeader()) return ZERO;
      const all = await listRecommendations();
      return forEach(all, reconcileOne, (rec) => ({
        namespace: rec.metadata.namespace,
        recommendation: rec.metadata.name,
      }));
    },
    async tick() {
      const leading = await elector.tryAcquireOrRenew();
      return leading ? controller.reconcileAll() : ZERO;
    },
    start({ intervalMs }) {
      const loop = (): void => {
        running = controller
          .tick()
          .catch((error: unknown) =>
            logger.warn(
              { err: error },
              "kubewise controller tick failed; retrying next interval",
            ),
          )
          .finally(() => {
            if (timer !== undefined) timer = setTimeout(loop, intervalMs);
          });
      };
      timer = setTimeout(loop, 0);
    },
    async stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
      await elector.release();
    },
  };
  return controller;
}
