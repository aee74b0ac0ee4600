import { V1MicroTime, type V1Lease } from "@kubernetes/client-node";

import type { LeaderElector } from "../ports";
import { decideLease } from "../reconcile/lease";
import { isApiStatus, type KubeClients } from "./kube-clients";

export type LeaderElectorOptions = {
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationSeconds: number;
  now?: () => Date;
};

export function createLeaseElector(
  clients: Pick<KubeClients, "coordination">,
  options: LeaderElectorOptions,
): LeaderElector {
  const { coordination } = clients;
  const {
    namespace,
    leaseName: name,
    identity,
    leaseDurationSeconds,
  } = options;
  const now = options.now ?? (() => new Date());
  let leaderUntilMs = 0;
  // client-go's observedRecord/observedTime: when this instance first saw the record as it is.
  let observed: { key: string; atMs: number } | undefined;

  function observe(lease: V1Lease | undefined, atMs: number): Date {
    const key = `${lease?.metadata?.resourceVersion ?? ""}/${lease?.spec?.holderIdentity ?? ""}`;
    if (observed?.key !== key) observed = { key, atMs };
    return new Date(observed.atMs);
  }

  async function readLease(): Promise<V1Lease | undefined> {
    try {
      return await coordination.readNamespacedLease({ namespace, name });
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async function writeLease(
    current: V1Lease | undefined,
    spec: V1Lease["spec"],
  ): Promise<boolean> {
    try {
      if (current) {
        // resourceVersion makes the replace a compare-and-swap: a concurrent winner yields 409
        const body: V1Lease = { ...current, spec };
        await coordination.replaceNamespacedLease({ namespace, name, body });
      } else {
        await coordination.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec },
        });
      }
      return true;
    } catch (error) {
      if (isApiStatus(error, 409)) return false;
      throw error;
    }
  }

  return {
    identity,
    async tryAcquireOrRenew() {
      const started = now();
      const current = await readLease();
      const decision = decideLease(current?.spec, {
        identity,
        leaseDurationSeconds,
        now: started,
        observedAt: observe(current, started.getTime()),
      });
      if (decision.action === "follow") {
        leaderUntilMs = 0;
        return false;
      }
      const { renewTime, acquireTime, ...rest } = decision.spec;
      const won = await writeLease(current, {
        ...rest,
        renewTime: new V1MicroTime(renewTime.getTime()),
        acquireTime: new V1MicroTime(acquireTime.getTime()),
      });
      // Count the term from before the round trip, so local leadership never outlives the lease.
      leaderUntilMs = won ? started.getTime() + leaseDurationSeconds * 1000 : 0;
      return won;
    },
    isLeader() {
      return now().getTime() < leaderUntilMs;
    },
    async release() {
      // Also after local leadership lapsed: while the Lease still names us, nobody else holds it.
      leaderUntilMs = 0;
      const current = await readLease();
      if (current?.spec?.holderIdentity !== identity) return;
      await writeLease(current, {
        ...current.spec,
        holderIdentity: "",
        leaseDurationSeconds: 1,
      });
    },
  };
}
