import type { ResourceRecommendation } from "@kubewise/k8s";

import {
  WriteRefusedError,
  type AuditSink,
  type ControllerLogger,
  type LeaderElector,
  type PolicyResolver,
  type RecommendationStore,
  type SignalsReader,
  type WorkloadRef,
  type WorkloadStore,
} from "./ports";
import type { WorkloadAction } from "./reconcile/decision-context";
import {
  decideReconcile,
  isStatusEqual,
  type ReconcileDecision,
  type ReconcileInput,
} from "./reconcile/reconcile";
import { decideRefusedWrite } from "./reconcile/refused";
import { toSignalsWindow, type MetricsView } from "./reconcile/signals";

export type LifecycleControllerDeps = {
  recommendations: RecommendationStore;
  workloads: WorkloadStore;
  elector: LeaderElector;
  audit: AuditSink;
  logger: ControllerLogger;
  policyFor: PolicyResolver;
  /** The metric store (throttling, OOM kills, working set): without it nothing is ever promoted. */
  signalsFor: SignalsReader;
  now?: () => Date;
  /** Restrict the controller to these namespaces (namespace-scoped installs, tests); all when absent. */
  namespaces?: string[];
};

export type WriteCounts = { written: number; skipped: number; failed: number };

export type LifecycleController = {
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

/** The innermost cause: a query builder's wrapper repeats the whole SQL, the driver says what failed. */
function describeError(error: unknown): string {
  if (error instanceof Error && error.cause instanceof Error)
    return describeError(error.cause);
  return error instanceof Error ? error.message : String(error);
}

/**
 * Performs one decided action; every write re-checks leadership right before it is sent. Pods
 * resized so far are pushed to `resized`, so a refusal halfway knows what it already changed.
 */
async function performAction(
  deps: Pick<LifecycleControllerDeps, "workloads" | "elector"> & {
    resized?: string[];
  },
  ref: WorkloadRef,
  action: WorkloadAction,
): Promise<void> {
  const { workloads, resized = [] } = deps;
  const write = async (send: () => Promise<void>) => {
    if (!deps.elector.isLeader())
      throw new NotLeaderError(deps.elector.identity);
    await send();
  };
  switch (action.type) {
    case "apply": {
      await write(() => workloads.annotate(ref, action.annotations));
      const { partition } = action;
      if (partition !== undefined)
        await write(() => workloads.setPartition(ref, partition));
      await write(() => workloads.patchResources(ref, action.patch));
      return;
    }
    case "partition":
      return write(() => workloads.setPartition(ref, action.partition));
    case "rollback":
      return write(() => workloads.rollbackTemplate(ref, action.patch));
    case "resize":
      for (const pod of action.pods) {
        await write(() =>
          workloads.resizePod(
            { namespace: ref.namespace, name: pod },
            action.body,
          ),
        );
        resized.push(pod);
      }
  }
}

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

  /** The metric store's view for this reconcile; a failed read pauses, it never reads as "fine". */
  async function readMetrics(
    rec: ResourceRecommendation,
    ref: WorkloadRef,
    at: Date,
  ): Promise<MetricsView> {
    const window = toSignalsWindow(
      {
        spec: rec.spec,
        status: rec.status,
        generation: rec.metadata.generation ?? 0,
      },
      at,
    );
    if (!window) return { status: "idle" };
    try {
      const signals = await deps.signalsFor({
        ...ref,
        ...window,
        containerNames: rec.spec.containers.map((c) => c.name),
      });
      return { status: "read", signals };
    } catch (error) {
      logger.warn(
        { err: error, namespace: ref.namespace, workload: ref.name },
        "kubewise metric store unreadable; holding the rollout",
      );
      return { status: "unreadable", reason: describeError(error) };
    }
  }

  async function reconcileOne(rec: ResourceRecommendation): Promise<boolean> {
    const { namespace } = rec.metadata;
    const ref: WorkloadRef = {
      namespace,
      kind: rec.spec.targetRef.kind,
      name: rec.spec.targetRef.name,
    };
    const at = now();
    const [observed, policy, metrics] = await Promise.all([
      workloads.observe(ref),
      deps.policyFor(namespace),
      readMetrics(rec, ref, at),
    ]);
    const input = {
      recommendation: rec,
      workload: observed?.workload,
      pods: observed?.pods ?? [],
      pdbs: observed?.pdbs ?? [],
      policy,
      now: at,
      metrics,
    };
    const decision = decideReconcile(input);
    const action = decision.workloadAction;
    const resized: string[] = [];
    try {
      if (action) await performAction({ ...deps, resized }, ref, action);
    } catch (error) {
      if (!(error instanceof WriteRefusedError)) throw error;
      await restoreAfterRefusal({ input, ref, attempted: decision }, error, {
        resized,
      });
      return true;
    }
    const changed = await writeStatus(rec, decision, at);
    return changed || action !== undefined;
  }

  /** A write refused for good: restore what the rollout changed, and say so in the status. */
  async function restoreAfterRefusal(
    target: {
      input: ReconcileInput;
      ref: WorkloadRef;
      attempted: ReconcileDecision;
    },
    error: WriteRefusedError,
    done: { resized: string[] },
  ): Promise<void> {
    const { input, ref, attempted } = target;
    const rec = input.recommendation;
    logger.warn(
      {
        namespace: ref.namespace,
        recommendation: rec.metadata.name,
        err: error,
      },
      "kubewise: the API server refused a write; restoring what the rollout changed",
    );
    const refused = decideRefusedWrite(input, attempted, {
      code: error.code,
      reason: error.reason,
      resized: done.resized,
    });
    if (refused.workloadAction)
      await performAction(deps, ref, refused.workloadAction);
    await writeStatus(rec, refused, input.now);
  }

  /** Writes a changed status and its audit event; false when the status is unchanged. */
  async function writeStatus(
    rec: ResourceRecommendation,
    decision: ReconcileDecision,
    at: Date,
  ): Promise<boolean> {
    if (isStatusEqual(rec.status, decision.status)) return false;
    const { namespace, name } = rec.metadata;
    if (!elector.isLeader()) throw new NotLeaderError(elector.identity);
    await recommendations.applyStatus({ namespace, name }, decision.status);
    if (decision.audit)
      await audit.record({
        ...decision.audit,
        at,
        actor: `controller/${elector.identity}`,
      });
    return true;
  }

  async function forEach(
    items: ResourceRecommendation[],
  ): Promise<WriteCounts> {
    const counts = { ...ZERO };
    for (const rec of items) {
      try {
        if (await reconcileOne(rec)) counts.written += 1;
        else counts.skipped += 1;
      } catch (error) {
        if (error instanceof NotLeaderError) {
          counts.skipped += 1;
          continue;
        }
        counts.failed += 1;
        logger.error(
          {
            namespace: rec.metadata.namespace,
            recommendation: rec.metadata.name,
            err: error,
          },
          "kubewise controller step failed; continuing with the next object",
        );
      }
    }
    return counts;
  }

  const controller: LifecycleController = {
    identity: elector.identity,
    isLeader: () => elector.isLeader(),
    async reconcileAll() {
      if (!elector.isLeader()) return ZERO;
      return forEach(await listRecommendations());
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
