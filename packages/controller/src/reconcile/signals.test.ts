import { describe, expect, it } from "vitest";

import {
  findBlockingPdbs,
  findOomKills,
  isThrottlingRegression,
  matchesSelector,
} from "./signals";

const since = new Date("2026-01-01T00:10:00Z");
const pod = (
  name: string,
  reason: string,
  finishedAt: string,
  where: "state" | "lastState" = "lastState",
) => ({
  metadata: { name },
  status: {
    containerStatuses: [
      { name: "app", [where]: { terminated: { reason, finishedAt } } },
    ],
  },
});

describe("findOomKills", () => {
  it("finds OOM kills of watched containers at or after the apply time", () => {
    const kills = findOomKills(
      [
        pod("a", "OOMKilled", "2026-01-01T00:10:00Z"),
        pod("b", "OOMKilled", "2026-01-01T00:11:00Z", "state"),
      ],
      { since, containerNames: ["app"] },
    );
    expect(kills.map((k) => k.podName)).toEqual(["a", "b"]);
  });

  it("ignores earlier kills, other reasons and other containers", () => {
    const pods = [
      pod("old", "OOMKilled", "2026-01-01T00:09:59Z"),
      pod("err", "Error", "2026-01-01T00:11:00Z"),
    ];
    expect(findOomKills(pods, { since, containerNames: ["app"] })).toEqual([]);
    expect(
      findOomKills([pod("x", "OOMKilled", "2026-01-01T00:11:00Z")], {
        since,
        containerNames: ["sidecar"],
      }),
    ).toEqual([]);
  });

  it("accepts Date objects as client-node deserializes them", () => {
    const p = {
      metadata: { name: "d" },
      status: {
        containerStatuses: [
          {
            name: "app",
            lastState: {
              terminated: {
                reason: "OOMKilled",
                finishedAt: new Date("2026-01-01T00:12:00Z"),
              },
            },
          },
        ],
      },
    };
    expect(findOomKills([p], { since, containerNames: ["app"] })).toHaveLength(
      1,
    );
  });
});

describe("isThrottlingRegression", () => {
  it.each([
    [{ baselineRatio: 0.05, currentRatio: 0.3 }, true],
    [{ baselineRatio: 0.2, currentRatio: 0.29 }, false],
    [{ baselineRatio: 0.0, currentRatio: 0.2 }, false],
    [undefined, false],
  ])("%j -> %s", (sample, expected) => {
    expect(isThrottlingRegression(sample)).toBe(expected);
  });
});

describe("PodDisruptionBudgets", () => {
  const labels = { app: "web", tier: "front" };

  it.each([
    [{ matchLabels: { app: "web" } }, true],
    [{ matchLabels: { app: "db" } }, false],
    [
      {
        matchExpressions: [
          { key: "tier", operator: "In", values: ["front", "back"] },
        ],
      },
      true,
    ],
    [
      {
        matchExpressions: [
          { key: "tier", operator: "NotIn", values: ["front"] },
        ],
      },
      false,
    ],
    [{ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, true],
    [{ matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
    [{}, true],
    [undefined, false],
  ])("selector %j matches: %s", (selector, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });

  it("reports only matching budgets that allow no disruption", () => {
    const pdbs = [
      {
        metadata: { name: "strict" },
        spec: { selector: { matchLabels: { app: "web" } } },
        status: { disruptionsAllowed: 0 },
      },
      {
        metadata: { name: "loose" },
        spec: { selector: { matchLabels: { app: "web" } } },
        status: { disruptionsAllowed: 1 },
      },
      {
        metadata: { name: "other" },
        spec: { selector: { matchLabels: { app: "db" } } },
        status: { disruptionsAllowed: 0 },
      },
    ];
    expect(findBlockingPdbs(pdbs, labels)).toEqual(["strict"]);
  });
});
