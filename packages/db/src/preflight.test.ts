import { describe, expect, it } from "vitest";

import { findDatabaseKindProblems, type ServerFacts } from "./preflight";

const plain: ServerFacts = {
  versionNum: 150_020,
  version: "15.20",
  database: "kubewise",
  timescaledbAvailable: false,
  timescaledbPreloaded: false,
  timescaledbCreated: false,
  citusCreated: false,
  citusCoordinator: false,
  citusWorkers: 0,
  metricStorage: "none",
};
const timescale: ServerFacts = {
  ...plain,
  timescaledbAvailable: true,
  timescaledbPreloaded: true,
};
const citus: ServerFacts = {
  ...plain,
  citusCreated: true,
  citusCoordinator: true,
  citusWorkers: 2,
};

describe("findDatabaseKindProblems", () => {
  it.each([
    ["plain PostgreSQL, auto", plain, "auto"],
    ["plain PostgreSQL, postgresql", plain, "postgresql"],
    ["TimescaleDB, auto", timescale, "auto"],
    ["TimescaleDB, timescaledb", timescale, "timescaledb"],
    [
      "TimescaleDB migrated",
      { ...timescale, timescaledbCreated: true, metricStorage: "hypertable" },
      "timescaledb",
    ],
    ["Citus coordinator with workers, citus", citus, "citus"],
    ["Citus coordinator with workers, auto", citus, "auto"],
    [
      "PostgreSQL 18",
      { ...plain, versionNum: 180_001, version: "18.1" },
      "auto",
    ],
  ] as const)("accepts %s", (_name, facts, kind) => {
    expect(findDatabaseKindProblems(facts, kind)).toEqual([]);
  });

  it.each([
    [
      "PostgreSQL 14",
      { ...plain, versionNum: 140_011, version: "14.11" },
      "auto",
      /PostgreSQL 14.11 is too old/,
    ],
    [
      "TimescaleDB expected, none offered",
      plain,
      "timescaledb",
      /TimescaleDB expected .* does not offer/,
    ],
    [
      "TimescaleDB expected, not preloaded",
      { ...plain, timescaledbAvailable: true },
      "timescaledb",
      /not in shared_preload_libraries/,
    ],
    [
      "TimescaleDB expected, migrated plain",
      { ...timescale, metricStorage: "partitioned" },
      "timescaledb",
      /migrated for plain PostgreSQL/,
    ],
    [
      "TimescaleDB offered unpreloaded, fresh",
      { ...plain, timescaledbAvailable: true },
      "auto",
      /first migration cannot run/,
    ],
    [
      "plain expected, TimescaleDB preloaded",
      timescale,
      "postgresql",
      /plain PostgreSQL expected .* preloads TimescaleDB/,
    ],
    [
      "Citus expected, no extension",
      plain,
      "citus",
      /Citus expected .* has no citus extension/,
    ],
    [
      "Citus without workers",
      { ...citus, citusWorkers: 0 },
      "auto",
      /without workers/,
    ],
    [
      "Citus worker",
      { ...citus, citusCoordinator: false },
      "citus",
      /Citus worker/,
    ],
    [
      "TimescaleDB expected, Citus database",
      citus,
      "timescaledb",
      /is a Citus database/,
    ],
  ] as const)(
    "refuses %s with a clear reason",
    (_name, facts, kind, reason) => {
      const problems = findDatabaseKindProblems(facts, kind);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.join(" | ")).toMatch(reason);
    },
  );
});
