import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { createAgentAuthenticator } from "./auth-factory";

const dir = mkdtempSync(join(tmpdir(), "kubewise-auth-factory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("createAgentAuthenticator", () => {
  it("builds the static authenticator from the token list", async () => {
    const auth = createAgentAuthenticator({
      mode: "static",
      tokens: ["demo-token-0123456789"],
    });
    expect((await auth.authenticate("demo-token-0123456789")).ok).toBe(true);
  });

  it("answers unavailable, and says so, when the API server refuses connections", async () => {
    const kubeconfigPath = join(dir, "kubeconfig");
    // Port 1 on loopback: nothing listens there, so the TokenReview call fails fast.
    writeFileSync(
      kubeconfigPath,
      JSON.stringify({
        "current-context": "c",
        contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
        clusters: [{ name: "k", cluster: { server: "https://127.0.0.1:1" } }],
        users: [{ name: "u", user: { token: "aggregator" } }],
      }),
    );
    const told: string[] = [];
    const auth = createAgentAuthenticator(
      {
        mode: "tokenreview",
        audience: "kubewise-aggregator",
        allowedUsernames: ["system:serviceaccount:kubewise:kubewise-agent"],
        cacheTtlMs: 60_000,
        kubeconfigPath,
      },
      { reviewTimeoutMs: 2_000, onUnavailable: (reason) => told.push(reason) },
    );
    const result = await auth.authenticate("some.agent.token");
    expect(result).toMatchObject({ ok: false, code: "unavailable" });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/cannot verify the token now: TokenReview failed/);
  });
});
