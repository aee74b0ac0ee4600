import { inject } from "vitest";

import { parseIsoInstant } from "@kubewise/core";

import { PROVIDED_TEST_NOW } from "./provided";

/** The suite's "now" when E2E_NOW is unset: a weekday noon, far from any day boundary. */
const DEFAULT_TEST_NOW_ISO = "2026-11-20T12:00:00.000Z";

/** E2E_NOW (an ISO 8601 instant with a zone), or the default instant when it is unset or empty. */
export function parseTestNow(raw: string | undefined): Date {
  if (raw === undefined || raw === "") return new Date(DEFAULT_TEST_NOW_ISO);
  return parseIsoInstant("E2E_NOW", raw);
}

/**
 * The instant the database suite pins "now" to: E2E_NOW, provided by the global setup; the default
 * outside the db project (no global setup).
 */
function readTestNow(): Date {
  const provided = inject(PROVIDED_TEST_NOW) as string | undefined;
  return new Date(provided ?? DEFAULT_TEST_NOW_ISO);
}

export const TEST_NOW: Date = readTestNow();
