// Pure lease arithmetic for leader election (coordination.k8s.io/v1 Lease), kept apart from I/O.

export type LeaseState = {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: Date | string;
  acquireTime?: Date | string;
  leaseTransitions?: number;
};

export type LeaseDecision =
  | {
      action: "renew";
      spec: Required<
        Pick<
          LeaseState,
          "holderIdentity" | "leaseDurationSeconds" | "leaseTransitions"
        >
      > & { renewTime: Date; acquireTime: Date };
    }
  | {
      action: "acquire";
      spec: Required<
        Pick<
          LeaseState,
          "holderIdentity" | "leaseDurationSeconds" | "leaseTransitions"
        >
      > & { renewTime: Date; acquireTime: Date };
    }
  | { action: "follow"; holderIdentity: string; expiresAt: Date };

function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

type LeaseOptions = {
  identity: string;
  leaseDurationSeconds: number;
  now: Date;
  /**
   * When this instance first saw the lease record as it is now, on its own clock (client-go's
   * observedTime). Expiry counts from here, never from the holder's renewTime: clocks differ.
   */
  observedAt: Date;
};

/**
 * What an instance should do with the current lease: renew its own, take over an expired or
 * empty one, or follow a live holder. A holder is live until its declared duration has passed
 * since this instance observed its last renewal, so clock skew between replicas cannot cut a
 * term short.
 */
export function decideLease(
  lease: LeaseState | undefined,
  options: LeaseOptions,
): LeaseDecision {
  const { identity, leaseDurationSeconds, now } = options;
  const holder = lease?.holderIdentity ?? "";
  if (holder === identity) return renewOwnLease(lease, options);
  const follow = followLiveHolder(lease, options);
  if (follow) return follow;
  const transitions = lease?.leaseTransitions ?? 0;
  return {
    action: "acquire",
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds,
      leaseTransitions: holder === "" && !lease ? 0 : transitions + 1,
      renewTime: now,
      acquireTime: now,
    },
  };
}

function renewOwnLease(
  lease: LeaseState | undefined,
  { identity, leaseDurationSeconds, now }: LeaseOptions,
): LeaseDecision {
  return {
    action: "renew",
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds,
      leaseTransitions: lease?.leaseTransitions ?? 0,
      renewTime: now,
      acquireTime: toDate(lease?.acquireTime) ?? now,
    },
  };
}

/** Following the holder while its lease is live; undefined when it is empty or expired. */
function followLiveHolder(
  lease: LeaseState | undefined,
  options: LeaseOptions,
): LeaseDecision | undefined {
  const holder = lease?.holderIdentity ?? "";
  if (holder === "") return undefined;
  const duration = lease?.leaseDurationSeconds ?? options.leaseDurationSeconds;
  const expiresAt = new Date(options.observedAt.getTime() + duration * 1000);
  if (!(expiresAt > options.now)) return undefined;
  return { action: "follow", holderIdentity: holder, expiresAt };
}
