import { describe, expect, it } from "vitest";

import {
  bearerToken,
  createStaticTokenAuthenticator,
  createTokenReviewAuthenticator,
  jwtExpiryMs,
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

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) =>
    Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part(claims)}.sig`;
}

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
  const create = (now: () => number, review = fakeReview(statuses).review) =>
    createTokenReviewAuthenticator({
      review,
      audience: "kubewise-aggregator",
      allowedUsernames: [AGENT],
      cacheTtlMs: 300_000,
      negativeCacheTtlMs: 5_000,
      maxCacheEntries: 3,
      now,
    });

  it.each([
    ["good", { ok: true, principal: { subject: AGENT, nodeName: "node-1" } }],
    [
      "audience",
      {
        ok: false,
        code: "unauthenticated",
        reason: "token audience is not kubewise-aggregator",
      },
    ],
    [
      "otherSa",
      {
        ok: false,
        code: "permission_denied",
        reason: `system:serviceaccount:default:default is not an allowed agent service account (allowed: ${AGENT})`,
      },
    ],
    [
      "expired",
      {
        ok: false,
        code: "unauthenticated",
        reason: "token rejected by TokenReview: token has expired",
      },
    ],
    [
      "apiDown",
      {
        ok: false,
        code: "unavailable",
        reason: "cannot verify the token now: connect ECONNREFUSED",
      },
    ],
    [
      "unknown",
      {
        ok: false,
        code: "unauthenticated",
        reason: "token rejected by TokenReview: invalid bearer token",
      },
    ],
  ])("judges token %s", async (token, expected) => {
    expect(await create(() => 0).authenticate(token)).toEqual(expected);
  });

  it("caches accepted tokens for the TTL, rejections briefly, API failures never", async () => {
    let now = 0;
    const { review, calls } = fakeReview(statuses);
    const auth = create(() => now, review);
    for (const token of ["good", "good", "expired", "expired"])
      await auth.authenticate(token);
    expect(calls).toEqual(["good", "expired"]);
    now = 5_000;
    await auth.authenticate("good");
    await auth.authenticate("expired");
    expect(calls).toEqual(["good", "expired", "expired"]);
    now = 300_000;
    await auth.authenticate("good");
    await auth.authenticate("apiDown");
    await auth.authenticate("apiDown");
    expect(calls.slice(3)).toEqual(["good", "apiDown", "apiDown"]);
  });

  it("keeps at most maxCacheEntries verdicts, evicting the least recently used", async () => {
    const { review, calls } = fakeReview(statuses);
    const auth = create(() => 0, review);
    for (const token of ["good", "audience", "otherSa", "good", "expired"])
      await auth.authenticate(token);
    await auth.authenticate("good");
    await auth.authenticate("audience");
    expect(calls).toEqual([
      "good",
      "audience",
      "otherSa",
      "expired",
      "audience",
    ]);
  });

  it("never caches a token past its own exp claim", async () => {
    let now = 1_000_000;
    const token = jwt({ exp: 1_010 });
    const { review, calls } = fakeReview({ [token]: good });
    const auth = create(() => now, review);
    await auth.authenticate(token);
    now = 1_009_999;
    await auth.authenticate(token);
    now = 1_010_000;
    await auth.authenticate(token);
    expect(calls).toHaveLength(2);
  });

  it.each([
    [jwt({ exp: 1_700_000_000 }), 1_700_000_000_000],
    [jwt({ sub: "x" }), undefined],
    ["not-a-jwt", undefined],
    ["a.%%%.c", undefined],
  ])("reads the exp claim of %s", (token, expected) => {
    expect(jwtExpiryMs(token)).toBe(expected);
  });
});
