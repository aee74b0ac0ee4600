import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ConflictError } from "@kubewise/core";
import { getOpenRound, listRoundUpdates } from "@kubewise/db";
import { createTestDatabase, type TestDatabase } from "@kubewise/db/testing";
import { flattenWeights, initialWeights, OUTPUT_SIZE } from "@kubewise/ml";

import { SYSTEM_ACTOR, type ServiceContext } from "../context";
import { advanceFederation } from "./advance";
import { getModelAssignment } from "./assign";
import { ensureInitialModel } from "./registry";
import {
  DEFAULT_FEDERATION_SETTINGS,
  type FederationSettings,
} from "./settings";
import { submitRoundUpdate } from "./submit";

const BASE = initialWeights(
  { inputSize: 8, hiddenSize: 16, outputSize: OUTPUT_SIZE },
  1,
);
const PARAMETERS = flattenWeights(BASE).length;
const START = new Date("2026-11-20T12:00:00Z");
const SETTINGS: FederationSettings = {
  ...DEFAULT_FEDERATION_SETTINGS,
  schedule: "* * * * *",
  minRoundIntervalMs: 0,
  minClients: 2,
};
// Node names repeat across clusters: east and west both run node-1 and node-2.
const AGENTS = ["east", "west"].flatMap((cluster) =>
  ["node-1", "node-2"].map((agentId) => ({ cluster, agentId })),
);

let test: TestDatabase;
let now = START;
const ctx = (): ServiceContext => ({
  db: test.db,
  actor: SYSTEM_ACTOR,
  clock: { now: () => now },
  logger: pino({ level: "silent" }),
  ports: { encodeModel: () => new Uint8Array([1]) },
});

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => test.close());

describe("federated rounds across clusters with colliding agent ids", () => {
  it("node-1 of east and node-1 of west are two participants: both are selected and both uploads count", async () => {
    await ensureInitialModel({
      ctx: ctx(),
      input: { weights: BASE, onnx: new Uint8Array([1]), name: "shipped" },
    });
    for (const agent of AGENTS)
      await getModelAssignment({
        ctx: ctx(),
        input: { ...agent, currentModelVersion: "1", trainableExamples: 40 },
        settings: SETTINGS,
      });
    const [{ n } = { n: -1 }] = await test.sql<{ n: number }[]>`
      select count(*)::int as n from agent_models`;
    expect(n).toBe(4);

    now = new Date(START.getTime() + 60_000);
    const opened = await advanceFederation({ ctx: ctx(), settings: SETTINGS });
    expect(opened.step).toMatchObject({ action: "opened", kind: "train" });
    const round = await getOpenRound(test.db);
    expect([...(round?.selectedAgents ?? [])].sort()).toEqual([
      "east/node-1",
      "east/node-2",
      "west/node-1",
      "west/node-2",
    ]);
    // Each agent learns of the round by its own cluster's key.
    for (const agent of AGENTS) {
      const assignment = await getModelAssignment({
        ctx: ctx(),
        input: { ...agent, currentModelVersion: "1", trainableExamples: 40 },
        settings: SETTINGS,
      });
      expect(assignment.roundPlan?.roundId).toBe(String(round?.id));
    }

    const upload = (agent: (typeof AGENTS)[number]) =>
      submitRoundUpdate({
        ctx: ctx(),
        input: {
          ...agent,
          roundId: String(round?.id),
          baseModelVersion: "1",
          exampleCount: 40,
          localSteps: 2,
          preClipNorm: 0.5,
          validationLossBefore: 0.2,
          validationLossAfter: 0.18,
          validationExamples: 8,
          cpuSeconds: 0.3,
          delta: new Float32Array(PARAMETERS),
        },
      });
    for (const agent of AGENTS)
      expect(await upload(agent)).toEqual({ accepted: true });
    // A second upload of the same cluster's node-1 is still refused.
    await expect(
      upload({ cluster: "east", agentId: "node-1" }),
    ).rejects.toBeInstanceOf(ConflictError);
    const updates = await listRoundUpdates(test.db, round?.id ?? -1);
    expect(updates.map((u) => u.agentId).sort()).toEqual([
      "east/node-1",
      "east/node-2",
      "west/node-1",
      "west/node-2",
    ]);
  });
});
