import { z } from "zod";

/** An ISO 8601 instant with an explicit zone (`Z` or `+hh:mm`), as a Date: one rule for every pinned "now". */
const IsoInstantSchema = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value));

/** Parses a pinned-clock setting such as E2E_NOW; the message names the setting and the expected shape. */
export function parseIsoInstant(setting: string, raw: string): Date {
  const parsed = IsoInstantSchema.safeParse(raw);
  if (!parsed.success)
    throw new RangeError(
      `${setting} must be an ISO 8601 instant with a zone, e.g. 2026-11-29T23:58:00Z (got "${raw}")`,
    );
  return parsed.data;
}
