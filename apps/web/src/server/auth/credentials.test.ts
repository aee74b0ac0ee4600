import { describe, expect, it, vi } from "vitest";

import { authenticateWithRateLimit } from "./credentials";
import type { CredentialsInput } from "./credentials";
import { createFailureLimiter } from "./rate-limit";
import type { SessionUser } from "./session-user";

const ALICE: SessionUser = {
  id: "u1",
  email: "alice@example.com",
  name: "Alice",
  role: "approver",
  scopes: "all",
};
const MINUTE = 60_000;

function deps() {
  let nowMs = 0;
  const verifyUser = vi.fn((email: string, password: string) =>
    Promise.resolve(
      email === ALICE.email && password === "correct horse" ? ALICE : undefined,
    ),
  );
  return {
    limiters: {
      accountAndSource: createFailureLimiter({
        limit: 3,
        windowMs: 15 * MINUTE,
      }),
      source: createFailureLimiter({ limit: 10, windowMs: 15 * MINUTE }),
      account: createFailureLimiter({ limit: 5, windowMs: 15 * MINUTE }),
    },
    nowMs: () => nowMs,
    advance: (ms: number) => {
      nowMs += ms;
    },
    verifyUser,
  };
}

const attempt = (
  d: ReturnType<typeof deps>,
  input: Partial<CredentialsInput>,
) =>
  authenticateWithRateLimit(d, {
    email: ALICE.email,
    password: "guess",
    clientIp: "10.0.0.9",
    knownDevice: false,
    ...input,
  });

describe("authenticateWithRateLimit", () => {
  it.each([
    { email: "alice@example.com", password: "correct horse", ok: true },
    { email: "  ALICE@example.com ", password: "correct horse", ok: true },
    { email: "alice@example.com", password: "wrong", ok: false },
    { email: "", password: "x", ok: false },
  ])("$email / $password -> ok=$ok", async ({ email, password, ok }) => {
    expect((await attempt(deps(), { email, password })).ok).toBe(ok);
  });

  it("refuses one source after its failures on an account, without checking the password, until they age out", async () => {
    const d = deps();
    for (let i = 0; i < 3; i += 1)
      expect(await attempt(d, {})).toEqual({ ok: false, reason: "invalid" });
    expect(await attempt(d, { password: "correct horse" })).toEqual({
      ok: false,
      reason: "rate_limited",
    });
    expect(d.verifyUser).toHaveBeenCalledTimes(3);
    expect(
      (await attempt(d, { clientIp: "10.0.0.8", password: "correct horse" }))
        .ok,
    ).toBe(true);
    d.advance(15 * MINUTE);
    expect((await attempt(d, { password: "correct horse" })).ok).toBe(true);
  });

  it("a distributed attack throttles the account for new devices but never locks out the owner's known device", async () => {
    const d = deps();
    for (let i = 0; i < 5; i += 1)
      await attempt(d, { clientIp: `203.0.113.${i}` });
    expect(
      await attempt(d, { clientIp: "198.51.100.1", password: "correct horse" }),
    ).toEqual({
      ok: false,
      reason: "rate_limited",
    });
    const owner = await attempt(d, {
      clientIp: "198.51.100.1",
      password: "correct horse",
      knownDevice: true,
    });
    expect(owner.ok).toBe(true);
  });

  it("limits one source spraying many accounts", async () => {
    const d = deps();
    for (let i = 0; i < 10; i += 1)
      await attempt(d, { email: `user${i}@example.com` });
    expect(await attempt(d, { password: "correct horse" })).toEqual({
      ok: false,
      reason: "rate_limited",
    });
  });

  it("without a known source address, a known device is never throttled", async () => {
    const d = deps();
    for (let i = 0; i < 20; i += 1) await attempt(d, { clientIp: "unknown" });
    expect(
      (
        await attempt(d, {
          clientIp: "unknown",
          password: "correct horse",
          knownDevice: true,
        })
      ).ok,
    ).toBe(true);
  });

  it("does not count successful logins against the limit", async () => {
    const d = deps();
    for (let i = 0; i < 10; i += 1)
      expect((await attempt(d, { password: "correct horse" })).ok).toBe(true);
  });
});
