import { parseIsoInstant } from "@kubewise/core";

/** The suite's "now" when E2E_NOW is unset: a weekday noon, far from any day boundary. */
export const DEFAULT_TEST_NOW_ISO = "2026-11-20T12:00:00.000Z";

/** E2E_NOW (an ISO 8601 instant with a zone), or the default instant when it is unset or empty. */
export function parseTestNow(raw: string | undefined): Date {
  if (raw === undefined || raw === "") return new Date(DEFAULT_TEST_NOW_ISO);
  return parseIsoInstant("E2E_NOW", raw);
}
