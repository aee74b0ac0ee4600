import { describe, expect, it, vi } from "vitest";

import { authenticateWithRateLimit } from "./credentials";
import { createTokenBucketLimiter } from "./rate-limit";
import type { SessionUser } from "./session-user";

const ALICE: SessionUser = {
  id: "u1",
  email: "alice@example.com",
  name: "Alice",
  role: "approver",
  scopes: "all",
};

function deps() {
  const verifyUser = vi.fn((email: string, password: string) =>
    Promise.resolve(
      email === ALICE.email && password === "correct horse" ? ALICE : undefined,
    ),
  );
  return {
    limiter: createTokenBucketLimiter({ capacity: 3, refillPerSecond: 0 }),
    nowMs: () => 0,
    verifyUser,
  };
}

describe("authenticateWithRateLimit", () => {
  it.each([
    { email: "alice@example.com", password: "correct horse", ok: true },
    { email: "  ALICE@example.com ", password: "correct horse", ok: true },
    { email: "alice@example.com", password: "wrong", ok: false },
    { email: "", password: "x", ok: false },
  ])("$email / $password -> ok=$ok", async ({ email, password, ok }) => {
    const result = await authenticateWithRateLimit(deps(), {
      email,
      password,
      clientIp: "10.0.0.1",
    });
    expect(result.ok).toBe(ok);
  });

  it("does not count successful logins against the limit", async () => {
    const d = deps();
    for (let i = 0; i < 10; i += 1) {
      const result = await authenticateWithRateLimit(d, {
        email: ALICE.email,
        password: "correct horse",
        clientIp: "10.0.0.2",
      });
      expect(result.ok).toBe(true);
    }
  });

  it("refuses without checking the password once the bucket for IP+email is empty", async () => {
    const d = deps();
    const attempt = () =>
      authenticateWithRateLimit(d, {
        email: ALICE.email,
        password: "guess",
        clientIp: "10.0.0.9",
      });
    for (let i = 0; i < 3; i += 1)
      expect(await attempt()).toEqual({ ok: false, reason: "invalid" });
    expect(await attempt()).toEqual({ ok: false, reason: "rate_limited" });
    expect(d.verifyUser).toHaveBeenCalledTimes(3);
    const otherIp = await authenticateWithRateLimit(d, {
      email: ALICE.email,
      password: "correct horse",
      clientIp: "10.0.0.8",
    });
    expect(otherIp.ok).toBe(true);
  });
});
