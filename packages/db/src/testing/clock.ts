import { inject } from "vitest";

import { PROVIDED_TEST_NOW } from "./provided";
import { DEFAULT_TEST_NOW_ISO } from "./test-now";

/**
 * The instant the database suite pins "now" to: E2E_NOW, provided by the global setup; the default
 * outside the db project (no global setup).
 */
function readTestNow(): Date {
  const provided = inject(PROVIDED_TEST_NOW) as string | undefined;
  return new Date(provided ?? DEFAULT_TEST_NOW_ISO);
}

export const TEST_NOW: Date = readTestNow();
