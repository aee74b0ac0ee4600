import { describe, expect, it } from "vitest";

import { loadEnv } from "./env";

describe("agent loadEnv", () => {
  it("applies defaults (10 s collection interval, synthetic source)", () => {
    const env = loadEnv({ KUBEWISE_TOKEN: "t", KUBEWISE_NODE_NAME: "node-a" });
    expect(env).toMatchObject({
      collectionIntervalMs: 10_000,
      source: "synthetic",
      agentId: "node-a",
      token: { kind: "static", value: "t" },
      aggregatorTarget: "127.0.0.1:50051",
    });
    expect(Object.isFrozen(env)).toBe(true);
  });

  it("reports every bad variable at once", () => {
    expect(() =>
      loadEnv({
        KUBEWISE_SOURCE: "replay",
        KUBEWISE_COLLECTION_INTERVAL_SECONDS: "-1",
        KUBEWISE_METRICS_PORT: "x",
      }),
    ).toThrow(
      /KUBEWISE_COLLECTION_INTERVAL_SECONDS[\s\S]*KUBEWISE_METRICS_PORT[\s\S]*KUBEWISE_TOKEN[\s\S]*KUBEWISE_REPLAY_PATH/,
    );
  });

  it("prefers a token file over a static token", () => {
    expect(
      loadEnv({ KUBEWISE_TOKEN: "t", KUBEWISE_TOKEN_FILE: "/var/run/token" })
        .token,
    ).toEqual({ kind: "file", path: "/var/run/token" });
  });
});
