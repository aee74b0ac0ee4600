import { describe, expect, it } from "vitest";

import { getSystemStatus, toPublicStatus } from "./status";

const NOW = new Date("2026-11-27T08:00:00Z");

describe("getSystemStatus", () => {
  it("reports ok with the schema version and ingest stats", async () => {
    const status = await getSystemStatus(
      {
        schemaVersion: () => Promise.resolve("0003_rollups"),
        ingestStats: () => Promise.resolve({ samplesLastMinute: 42 }),
      },
      () => NOW,
    );
    expect(status).toEqual({
      database: { ok: true, schemaVersion: "0003_rollups" },
      ingest: { samplesLastMinute: 42 },
      checkedAt: NOW,
    });
  });

  it("reports the error (with its code) when the database is unreachable", async () => {
    const refused = Object.assign(new Error("connect failed 127.0.0.1:5999"), {
      code: "ECONNREFUSED",
    });
    const status = await getSystemStatus(
      { schemaVersion: () => Promise.reject(refused), ingestStats: undefined },
      () => NOW,
    );
    expect(status.database).toEqual({
      ok: false,
      error: "connect failed 127.0.0.1:5999 (ECONNREFUSED)",
    });
  });
});

describe("toPublicStatus", () => {
  it("tells anonymous callers only ok or degraded, never the error text", async () => {
    const down = await getSystemStatus(
      {
        schemaVersion: () =>
          Promise.reject(new Error("password authentication failed for kw")),
        ingestStats: undefined,
      },
      () => NOW,
    );
    expect(toPublicStatus(down)).toEqual({ status: "degraded" });
    const up = await getSystemStatus(
      { schemaVersion: () => Promise.resolve("4"), ingestStats: undefined },
      () => NOW,
    );
    expect(toPublicStatus(up)).toEqual({ status: "ok" });
  });
});
