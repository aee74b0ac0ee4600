import { describe, expect, it } from "vitest";

import { parseIsoInstant } from "./instant";

describe("parseIsoInstant", () => {
  it.each([
    ["2026-11-29T23:58:00Z", "2026-11-29T23:58:00.000Z"],
    ["2026-11-29T23:58:00.250Z", "2026-11-29T23:58:00.250Z"],
    ["2026-11-30T01:58:00+02:00", "2026-11-29T23:58:00.000Z"],
  ])("reads %s as %s", (raw, iso) => {
    expect(parseIsoInstant("E2E_NOW", raw).toISOString()).toBe(iso);
  });

  it.each([
    "2026-11-29T23:58:00",
    "2026-11-29",
    "yesterday",
    "",
    "2026-13-01T00:00:00Z",
  ])("refuses %j and names the setting", (raw) => {
    expect(() => parseIsoInstant("E2E_NOW", raw)).toThrow(
      /^E2E_NOW must be an ISO 8601 instant with a zone/,
    );
  });
});
