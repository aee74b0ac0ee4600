import { describe, expect, it } from "vitest";

import {
  bearerToken,
  createStaticTokenAuthenticator,
  createTokenReviewAuthenticator,
  type TokenReviewStatus,
} from "./auth";

const AGENT = "system:serviceaccount:kubewise:kubewise-agent";
const good: TokenReviewStatus = {
  authenticated: true,
  audiences: ["kubewise-aggregator"],
  user: {
    username: AGENT,
    extra: { "authentication.kubernetes.io/node-name": ["node-1"] },
  },
};

function fakeReview(statuses: Record<string, TokenReviewStatus | Error>) {
  const calls: string[] = [];
  const review = (token: string) => {
    calls.push(token);
    const s = statuses[token];
    return s instanceof Error
      ? Promise.reject(s)
      : Promise.resolve(
          s ?? { authenticated: false, error: "invalid bearer token" },
        );
  };
  return { review, calls };
}

describe("bearerToken", () => {
  it.each([
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["Basic abc", undefined],
    ["Bearer", undefined],
    [undefined, undefined],
    [Buffer.from("Bearer abc"), undefined],
  ])("extracts from %s", (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe("static token authenticator", () => {
  const auth = createStaticTokenAuthenticator([
    "demo-token-0123456789",
    "other-token-0123456789",
  ]);
  it.each([
    ["demo-token-0123456789", true],
    ["other-token-0123456789", true],
    ["demo-token-012345678", false],
    ["", false],
  ])("token %s accepted: %s", async (token, ok) => {
    expect((await auth.authenticate(token)).ok).toBe(ok);
  });

  it("refuses short tokens at startup", () => {
    expect(() => createStaticTokenAuthenticator(["short"])).toThrow(
      /16 characters/,
    );
  });
});

describe("TokenReview authenticator", () => {
  const statuses = {
    good,
    audience: { ...good, audiences: ["other"] },
    otherSa: {
      ...good,
      user: { username: "system:serviceaccount:default:default" },
    },
    expired: { authenticated: false, error: "token has expired" },
    apiDown: new Error("connect ECONNREFUSED"),
  };

  it.each([
    ["good", { ok: true, principal: { subject: AGENT, nodeName: "node-1" } }],
    ["audience", { ok: false, reason: "wrong audience" }],
    [
      "otherSa",
      {
        ok: false,
        reason:
          "service account system:serviceaccount:default:default is not an agent",
      },
    ],
    ["expired", { ok: false, reason: "token has expired" }],
    [
      "apiDown",
      { ok: false, reason: "TokenReview failed: connect ECONNREFUSED" },
    ],
    ["unknown", { ok: false, reason: "invalid bearer token" }],
  ])("judges token %s", async (token, expected) => {
    const { review } = fakeReview(statuses);
    const auth = createTokenReviewAuthenticator({
      review,
      audience: "kubewise-aggregator",
      allowedUsernames: [AGENT],
      cacheTtlMs: 300_000,
      now: () => 0,
    });
    expect(await auth.authenticate(token)).toEqual(expected);
  });

  it("caches verdicts for the TTL only, and never caches API failures", async () => {
    let now = 0;
    const { review, calls } = fakeReview(statuses);
    const auth = createTokenReviewAuthenticator({
      review,
      audience: "kubewise-aggregator",
      allowedUsernames: [AGENT],
      cacheTtlMs: 300_000,
      now: () => now,
    });
    await auth.authenticate("good");
    await auth.authenticate("good");
    now = 299_999;
    await auth.authenticate("good");
    expect(calls).toEqual(["good"]);
    now = 300_000;
    await auth.authenticate("good");
    await auth.authenticate("apiDown");
    await auth.authenticate("apiDown");
    expect(calls).toEqual(["good", "good", "apiDown", "apiDown"]);
  });
});
