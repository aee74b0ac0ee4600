import { describe, expect, it } from "vitest";

import { RECOMMENDATION_PHASES as CORE_PHASES } from "@kubewise/core";
import {
  ANOMALY_KINDS,
  RECOMMENDATION_PHASES as DB_PHASES,
  USER_ROLES,
} from "@kubewise/db";

import { ListAnomaliesInputSchema } from "../anomalies/schemas";
import { ROLES } from "../context";

describe("enums shared by core, db and services", () => {
  it("core's lifecycle phases are exactly the database enum", () => {
    expect([...CORE_PHASES]).toEqual([...DB_PHASES]);
  });

  it("service roles are exactly the database roles", () => {
    expect([...ROLES]).toEqual([...USER_ROLES]);
  });

  it("anomaly kinds accepted by the list filter are the database's", () => {
    for (const kind of ANOMALY_KINDS)
      expect(ListAnomaliesInputSchema.safeParse({ kind }).success).toBe(true);
    expect(ListAnomaliesInputSchema.safeParse({ kind: "other" }).success).toBe(
      false,
    );
  });
});
