import { describe, expect, it } from "vitest";

import { loadEnv } from "./env";

const TOKEN = "demo-token-0123456789";

describe("aggregator loadEnv", () => {
  it("applies defaults", () => {
    expect(loadEnv({ KUBEWISE_AGENT_TOKENS: TOKEN })).toMatchObject({
      grpcPort: 50_051,
      agentTokens: [TOKEN],
      clusterName: "default",
      rollupIntervalMs: 300_000,
      databaseUrl: undefined,
    });
  });

  it("reports every bad variable at once", () => {
    expect(() =>
      loadEnv({
        DATABASE_URL: "mysql://x",
        KUBEWISE_GRPC_PORT: "70000",
        KUBEWISE_AGENT_TOKENS: "short",
      }),
    ).toThrow(
      /DATABASE_URL[\s\S]*KUBEWISE_GRPC_PORT[\s\S]*at least 16 characters/,
    );
  });

  it("refuses TokenReview mode until it is wired", () => {
    expect(() => loadEnv({ KUBEWISE_AUTH_MODE: "tokenreview" })).toThrow(
      /tokenreview is not wired/,
    );
  });
});
