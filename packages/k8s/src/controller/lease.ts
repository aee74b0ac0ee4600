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

/**
 * What an instance should do with the current lease: renew its own, take over an expired or
 * empty one, or follow a live holder. Expiry uses the holder's declared duration.
 */
export function decideLease(
  lease: LeaseState | undefined,
  options: { identity: string; leaseDurationSeconds: number; now: Date },
): LeaseDecision {
  const { identity, leaseDurationSeconds, now } = options;
  const holder = lease?.holderIdentity ?? "";
  const transitions = lease?.leaseTransitions ?? 0;
  if (holder === identity) {
    const acquireTime = toDate(lease?.acquireTime) ?? now;
    return {
      action: "renew",
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds,
        leaseTransitions: transitions,
        renewTime: now,
        acquireTime,
      },
    };
  }
  const renewTime = toDate(lease?.renewTime);
  const duration = lease?.leaseDurationSeconds ?? leaseDurationSeconds;
  const expiresAt = new Date((renewTime?.getTime() ?? 0) + duration * 1000);
  if (holder !== "" && renewTime && expiresAt > now)
    return { action: "follow", holderIdentity: holder, expiresAt };
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
