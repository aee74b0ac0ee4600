import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../testing";
import {
  closeRound,
  getModelVersion,
  getModelWithStatus,
  getOpenRound,
  insertModelVersion,
  insertRound,
  insertRoundUpdate,
  listAgentModels,
  listModelVersions,
  listRoundUpdates,
  transitionModelVersion,
  upsertAgentModel,
} from "./models";

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => test.close());

const BYTES = Uint8Array.from([0, 1, 2, 254, 255]);
const at = new Date("2026-01-02T03:00:00Z");

function model(status: "candidate" | "active", parentVersion?: number) {
  return {
    status,
    source: "federated",
    parameters: BYTES,
    onnx: BYTES,
    ...(parentVersion === undefined ? {} : { parentVersion }),
  } as const;
}

describe("model registry queries", () => {
  it("numbers versions, keeps bytes exact, and allows one active model", async () => {
    const first = await insertModelVersion(test.db, model("active"));
    const second = await insertModelVersion(
      test.db,
      model("candidate", first.version),
    );
    expect(second.version).toBe(first.version + 1);
    expect((await getModelVersion(test.db, second.version))?.onnx).toEqual(
      BYTES,
    );
    await expect(
      insertModelVersion(test.db, model("active")),
    ).rejects.toThrow();
    expect(
      await transitionModelVersion(test.db, {
        version: second.version,
        from: "active",
        to: "retired",
        reason: "wrong from",
        at,
      }),
    ).toBe(false);
    expect(
      await transitionModelVersion(test.db, {
        version: second.version,
        from: "candidate",
        to: "canary",
        reason: "gate passed",
        at,
      }),
    ).toBe(true);
    expect((await getModelWithStatus(test.db, "canary"))?.version).toBe(
      second.version,
    );
    const listed = await listModelVersions(test.db, { limit: 10 });
    expect(listed.map((m) => m.version)).toEqual([
      second.version,
      first.version,
    ]);
    expect(listed[0]).not.toHaveProperty("onnx");
  });

  it("keeps one open round and one upload per agent and round", async () => {
    const base = await insertModelVersion(test.db, {
      ...model("candidate"),
      status: "retired",
    });
    const round = await insertRound(test.db, {
      kind: "train",
      purpose: "train",
      baseVersion: base.version,
      plan: { localEpochs: 1 },
      selectedAgents: ["a", "b"],
      minClients: 2,
      openedAt: at,
      deadlineAt: new Date(at.getTime() + 600_000),
    });
    await expect(
      insertRound(test.db, {
        kind: "train",
        purpose: "train",
        baseVersion: base.version,
        plan: {},
        selectedAgents: [],
        minClients: 1,
        openedAt: at,
        deadlineAt: at,
      }),
    ).rejects.toThrow();
    const update = {
      roundId: round.id,
      agentId: "a",
      receivedAt: at,
      exampleCount: 10,
      localSteps: 3,
      preClipNorm: 1.5,
      deltaNorm: 1,
      validationLossBefore: 0.2,
      validationLossAfter: 0.1,
      validationExamples: 4,
      cpuSeconds: 0.5,
      delta: BYTES,
    };
    expect(await insertRoundUpdate(test.db, update)).toBe(true);
    expect(await insertRoundUpdate(test.db, update)).toBe(false);
    expect(await listRoundUpdates(test.db, round.id)).toHaveLength(1);
    expect((await getOpenRound(test.db))?.id).toBe(round.id);
    const outcome = { accepted: 1 };
    expect(
      await closeRound(test.db, {
        id: round.id,
        status: "abandoned",
        closedAt: at,
        outcome,
      }),
    ).toBe(true);
    expect(
      await closeRound(test.db, {
        id: round.id,
        status: "closed",
        closedAt: at,
        outcome,
      }),
    ).toBe(false);
    expect(await getOpenRound(test.db)).toBeUndefined();
  });

  it("upserts what each agent runs", async () => {
    await upsertAgentModel(test.db, {
      agentId: "agent-1",
      modelVersion: null,
      trainableExamples: 0,
      reportedAt: at,
    });
    await upsertAgentModel(test.db, {
      agentId: "agent-1",
      modelVersion: 1,
      trainableExamples: 120,
      reportedAt: new Date(at.getTime() + 1000),
    });
    const rows = await listAgentModels(test.db, { since: at });
    expect(rows).toEqual([
      {
        agentId: "agent-1",
        modelVersion: 1,
        trainableExamples: 120,
        reportedAt: new Date(at.getTime() + 1000),
      },
    ]);
  });
});
