import { describe, expect, it } from "vitest";

import { ValidationError } from "@kubewise/core";
import { ALLOCATION_CARRY_BUCKETS, ALLOCATION_STEP_MS } from "@kubewise/db";

import { bucketQueryEnd, resolveAllocationWindow } from "./window";

const NOW = new Date("2026-11-20T12:34:56Z");

describe("resolveAllocationWindow", () => {
  it.each([
    ["24h", "2026-11-19T12:00:00.000Z", "1h"],
    ["48h", "2026-11-18T12:00:00.000Z", "1h"],
    ["7d", "2026-11-13T00:00:00.000Z", "1d"],
    ["30d", "2026-10-21T00:00:00.000Z", "1d"],
    ["today", "2026-11-20T00:00:00.000Z", "1h"],
    ["week", "2026-11-16T00:00:00.000Z", "1d"],
    ["month", "2026-11-01T00:00:00.000Z", "1d"],
  ])(
    "%s starts at %s at resolution %s and ends now",
    (window, from, resolution) => {
      const resolved = resolveAllocationWindow(window, NOW);
      expect(resolved.from.toISOString()).toBe(from);
      expect(resolved.resolution).toBe(resolution);
      expect(resolved.to).toEqual(NOW);
    },
  );

  it("takes an explicit RFC3339 range and whole previous periods", () => {
    expect(
      resolveAllocationWindow("2026-11-01T00:00:00Z,2026-11-03T00:00:00Z", NOW),
    ).toMatchObject({
      from: new Date("2026-11-01T00:00:00Z"),
      to: new Date("2026-11-03T00:00:00Z"),
      resolution: "1h",
    });
    expect(resolveAllocationWindow("lastmonth", NOW)).toMatchObject({
      from: new Date("2026-10-01T00:00:00Z"),
      to: new Date("2026-11-01T00:00:00Z"),
      resolution: "1d",
    });
  });

  it.each(["48h", "400d", "2026-10-01T00:30:00Z,2026-10-03T00:29:00Z"])(
    "keeps the last bucket of the longest %s window within the running totals' carry of its first",
    (raw) => {
      const window = resolveAllocationWindow(raw, NOW);
      const step = ALLOCATION_STEP_MS[window.resolution];
      const lastAfterFirst =
        (bucketQueryEnd(window).getTime() - window.from.getTime()) / step - 1;
      expect(lastAfterFirst).toBeLessThanOrEqual(
        ALLOCATION_CARRY_BUCKETS[window.resolution],
      );
    },
  );

  it("reads up to the end of the bucket holding `to`", () => {
    expect(
      bucketQueryEnd(resolveAllocationWindow("7d", NOW)).toISOString(),
    ).toBe("2026-11-21T00:00:00.000Z");
  });

  it.each([
    ["today", "2026-12-01T00:00:00Z"],
    ["month", "2026-12-01T00:00:00Z"],
    ["week", "2026-11-30T00:00:00Z"],
  ])(
    "%s at its first instant (%s) is an empty window, not an error",
    (window, at) => {
      const now = new Date(at);
      expect(resolveAllocationWindow(window, now)).toEqual({
        from: now,
        to: now,
        resolution: "1h",
      });
    },
  );

  it.each([
    "fortnight",
    "0d",
    "500d",
    "2026-11-03T00:00:00Z,2026-11-01T00:00:00Z",
    // starts after NOW: nothing to show yet
    "2026-11-21T00:00:00Z,2026-11-22T00:00:00Z",
  ])("rejects %j naming the field and the accepted forms", (window) => {
    try {
      resolveAllocationWindow(window, NOW);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fieldErrors.window?.[0]).toMatch(
        /24h, 7d, 30d/,
      );
    }
  });
});
