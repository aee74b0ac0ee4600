import { describe, expect, it } from "vitest";

import { decideLease } from "./lease";

const now = new Date("2026-01-01T00:01:00Z");
const opts = { identity: "a", leaseDurationSeconds: 15, now, observedAt: now };

describe("decideLease", () => {
  it("acquires a lease that does not exist yet", () => {
    expect(decideLease(undefined, opts)).toMatchObject({
      action: "acquire",
      spec: { holderIdentity: "a", leaseTransitions: 0 },
    });
  });

  it("renews its own lease and keeps the acquire time", () => {
    const d = decideLease(
      {
        holderIdentity: "a",
        renewTime: "2026-01-01T00:00:59Z",
        acquireTime: "2026-01-01T00:00:00Z",
        leaseTransitions: 2,
      },
      opts,
    );
    expect(d).toMatchObject({
      action: "renew",
      spec: {
        leaseTransitions: 2,
        acquireTime: new Date("2026-01-01T00:00:00Z"),
        renewTime: now,
      },
    });
  });

  it("follows a live holder until its duration has passed since it was observed", () => {
    const d = decideLease(
      {
        holderIdentity: "b",
        renewTime: "2026-01-01T00:00:50Z",
        leaseDurationSeconds: 15,
      },
      { ...opts, observedAt: new Date("2026-01-01T00:00:55Z") },
    );
    expect(d).toEqual({
      action: "follow",
      holderIdentity: "b",
      expiresAt: new Date("2026-01-01T00:01:10Z"),
    });
  });

  it("judges expiry on its own clock: a holder whose clock runs an hour behind keeps its lease", () => {
    const skewed = {
      holderIdentity: "b",
      renewTime: "2025-12-31T23:01:00Z",
      leaseDurationSeconds: 15,
    };
    expect(decideLease(skewed, opts)).toMatchObject({ action: "follow" });
    expect(
      decideLease(skewed, {
        ...opts,
        now: new Date("2026-01-01T00:01:14Z"),
      }),
    ).toMatchObject({ action: "follow" });
  });

  it("takes over a lease unchanged for its duration since observed, and counts the transition", () => {
    const d = decideLease(
      {
        holderIdentity: "b",
        renewTime: "2026-01-01T00:01:00Z",
        leaseDurationSeconds: 15,
        leaseTransitions: 4,
      },
      { ...opts, observedAt: new Date("2026-01-01T00:00:45Z") },
    );
    expect(d).toMatchObject({
      action: "acquire",
      spec: { holderIdentity: "a", leaseTransitions: 5 },
    });
  });

  it("takes over a released lease (empty holder)", () => {
    const d = decideLease(
      {
        holderIdentity: "",
        renewTime: "2026-01-01T00:00:59Z",
        leaseTransitions: 1,
      },
      opts,
    );
    expect(d).toMatchObject({
      action: "acquire",
      spec: { leaseTransitions: 2 },
    });
  });
});
