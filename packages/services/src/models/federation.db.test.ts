import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  ConflictError,
  PreconditionFailedError,
  ValidationError,
} from "@kubewise/core";
import {
  getModelWithStatus,
  getOpenRound,
  getRound,
  insertRollups,
  listAuditLog,
  listModelVersions,
  listRoundUpdates,
  type DbExecutor,
} from "@kubewise/db";
import {
  createTestContainerChain,
  createTestDatabase,
  type TestDatabase,
} from "@kubewise/db/testing";
import {
  flattenWeights,
  initialWeights,
  OUTPUT_SIZE,
  toFloat32Bytes,
} from "@kubewise/ml";

import { SYSTEM_ACTOR, type ServiceContext } from "../context";
import { advanceFederation } from "./advance";
import { getModelAssignment } from "./assign";
import { ensureInitialModel } from "./registry";
import {
  DEFAULT_FEDERATION_SETTINGS,
  type FederationSettings,
} from "./settings";
import { submitRoundEvaluation, submitRoundUpdate } from "./submit";

const SHAPE = { inputSize: 8, hiddenSize: 16, outputSize: OUTPUT_SIZE };
const BASE = initialWeights(SHAPE, 1);
const PARAMETERS = flattenWeights(BASE).length;
const AGENTS = ["agent-a", "agent-b", "agent-c", "agent-d", "agent-e"];
const START = new Date("2026-11-20T12:00:00Z");
const MINUTE = 60_000;

const SETTINGS: FederationSettings = {
  ...DEFAULT_FEDERATION_SETTINGS,
  schedule: "* * * * *",
  minRoundIntervalMs: 0,
  roundDeadlineMs: 10 * MINUTE,
  canaryDurationMs: 30 * MINUTE,
  watchDurationMs: 60 * MINUTE,
};

let test: TestDatabase;
let now = START;

function context(
  db: DbExecutor,
  encode?: ServiceContext["ports"]["encodeModel"],
): ServiceContext {
  return {
    db,
    actor: SYSTEM_ACTOR,
    clock: { now: () => now },
    logger: pino({ level: "silent" }),
    ports: {
      encodeModel: encode ?? ((w) => toFloat32Bytes(flattenWeights(w))),
    },
  };
}

/** 4 days of 5-minute rollups with a daily cycle for a few containers: the central holdout. */
async function seedUsage(db: DbExecutor): Promise<void> {
  for (let c = 0; c < 4; c++) {
    const { container } = await createTestContainerChain(db);
    const rows = Array.from({ length: 4 * 288 }, (_, i) => {
      const cpu = 0.3 + 0.2 * Math.sin((2 * Math.PI * i) / 288) + 0.01 * c;
      return {
        bucket: new Date(START.getTime() - (4 * 288 - i) * 300_000),
        containerId: container.id,
        sampleCount: 30,
        cpuUsageCoresAvg: cpu,
        cpuUsageCoresMax: cpu * 1.2,
        cpuThrottledPeriodsSum: 0,
        cpuThrottledSecondsSum: 0,
        memoryWorkingSetBytesAvg: 5e8 + 1e6 * (i % 37),
        memoryWorkingSetBytesMax: 5e8 + 1e6 * (i % 37),
        memoryRssBytesMax: 5e8,
        oomKillCountSum: 0,
      };
    });
    await insertRollups(db, rows);
  }
}

const poll = (ctx: ServiceContext, agentId: string, version = "") =>
  getModelAssignment({
    ctx,
    input: { agentId, currentModelVersion: version, trainableExamples: 40 },
    settings: SETTINGS,
  });

function upload(
  agentId: string,
  roundId: string,
  overrides: Partial<{
    delta: Float32Array;
    base: string;
    examples: number;
  }> = {},
) {
  return {
    agentId,
    roundId,
    baseModelVersion: overrides.base ?? "1",
    exampleCount: overrides.examples ?? 40,
    localSteps: 2,
    preClipNorm: 0.5,
    validationLossBefore: 0.2,
    validationLossAfter: 0.18,
    validationExamples: 8,
    cpuSeconds: 0.3,
    delta: overrides.delta ?? new Float32Array(PARAMETERS),
  };
}

function evaluation(
  agentId: string,
  round: { id: number; candidateVersion: number | null; baseVersion: number },
  ratio: number,
) {
  return {
    agentId,
    taskId: String(round.id),
    candidateModelVersion: String(round.candidateVersion),
    baselineModelVersion: String(round.baseVersion),
    exampleCount: 20,
    candidateLoss: 0.1 * ratio,
    baselineLoss: 0.1,
    candidateLossPerQuantile: [0.1 * ratio],
    baselineLossPerQuantile: [0.1],
  };
}

async function openRound(db: DbExecutor) {
  const round = await getOpenRound(db);
  if (!round) throw new Error("expected an open round");
  return round;
}

beforeAll(async () => {
  test = await createTestDatabase();
  await seedUsage(test.db);
});
afterAll(async () => test.close());

describe("federated rounds and the model registry", () => {
  it("trains, gates, canaries, promotes and rolls back, refusing bad uploads on the way", async () => {
    const ctx = context(test.db);
    expect(
      await ensureInitialModel({
        ctx,
        input: { weights: BASE, onnx: new Uint8Array([1]), name: "shipped" },
      }),
    ).toEqual({ created: true });
    expect(
      (
        await ensureInitialModel({
          ctx,
          input: { weights: BASE, onnx: new Uint8Array([1]), name: "shipped" },
        })
      ).created,
    ).toBe(false);

    // Agents report in; the schedule is due; a training round opens for all five.
    for (const agent of AGENTS)
      expect((await poll(ctx, agent)).onnx).toEqual(new Uint8Array([1]));
    expect((await poll(ctx, "agent-a", "1")).onnx).toBeUndefined();
    now = new Date(START.getTime() + MINUTE);
    const opened = await advanceFederation({ ctx, settings: SETTINGS });
    expect(opened.step).toMatchObject({ action: "opened", kind: "train" });
    const train = await openRound(test.db);
    expect(train.selectedAgents).toEqual(AGENTS);
    const plan = (await poll(ctx, "agent-a", "1")).roundPlan;
    expect(plan).toMatchObject({
      roundId: String(train.id),
      baseModelVersion: "1",
      clipNorm: 1,
    });

    // Three honest updates, one NaN (stored as refused), one stale base (refused outright).
    const small = Float32Array.from({ length: PARAMETERS }, (_, k) =>
      k % 7 === 0 ? 1e-3 : 0,
    );
    for (const agent of ["agent-a", "agent-b", "agent-c"])
      expect(
        await submitRoundUpdate({
          ctx,
          input: upload(agent, String(train.id), { delta: small }),
        }),
      ).toEqual({ accepted: true });
    const nan = Float32Array.from(small);
    nan[3] = Number.NaN;
    expect(
      await submitRoundUpdate({
        ctx,
        input: upload("agent-d", String(train.id), { delta: nan }),
      }),
    ).toMatchObject({ accepted: false, reason: "non_finite" });
    await expect(
      submitRoundUpdate({
        ctx,
        input: upload("agent-e", String(train.id), { base: "0" }),
      }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(
      submitRoundUpdate({ ctx, input: upload("agent-a", String(train.id)) }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      submitRoundUpdate({ ctx, input: upload("stranger", String(train.id)) }),
    ).rejects.toThrow(/not selected/);
    await expect(
      submitRoundUpdate({
        ctx,
        input: upload("agent-e", String(train.id), {
          delta: new Float32Array(3),
        }),
      }),
    ).resolves.toMatchObject({ reason: "shape" });
    expect((await poll(ctx, "agent-a", "1")).roundPlan).toBeUndefined();

    // Everyone answered: the round closes into candidate 2 and the gate's evaluation opens.
    const closed = await advanceFederation({ ctx, settings: SETTINGS });
    expect(closed.step).toMatchObject({ action: "closed", kind: "train" });
    const candidate = (await listModelVersions(test.db, { limit: 1 }))[0];
    expect(candidate).toMatchObject({
      version: 2,
      status: "candidate",
      participants: 3,
      parentVersion: 1,
    });
    await expect(
      submitRoundUpdate({ ctx, input: upload("agent-e", String(train.id)) }),
    ).rejects.toThrow(/is closed/);

    const gate = await openRound(test.db);
    expect(gate).toMatchObject({
      kind: "evaluate",
      purpose: "gate",
      candidateVersion: 2,
      baseVersion: 1,
    });
    expect((await poll(ctx, "agent-b", "1")).evaluation).toMatchObject({
      candidateModelVersion: "2",
      baselineModelVersion: "1",
    });
    for (const agent of AGENTS)
      await submitRoundEvaluation({
        ctx,
        input: evaluation(agent, gate, 0.98),
      });
    await expect(
      submitRoundEvaluation({ ctx, input: evaluation("agent-a", gate, 0.98) }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      submitRoundEvaluation({
        ctx,
        input: { ...evaluation("agent-a", gate, 1), candidateLoss: -1 },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({
      action: "closed",
      result: "candidate passed the gate, canary started",
    });

    // Canary agents run version 2, the rest keep version 1.
    const canary = await getModelWithStatus(test.db, "canary");
    const canaryAgents = (canary?.metrics as { canary: { agents: string[] } })
      .canary.agents;
    expect(canaryAgents.length).toBeGreaterThanOrEqual(1);
    for (const agent of AGENTS) {
      const assignment = await poll(ctx, agent, "1");
      expect(assignment.modelVersion).toBe(
        canaryAgents.includes(agent) ? "2" : "1",
      );
    }
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ action: "none" });

    // After the canary period the canary agents evaluate; no regression: version 2 becomes active.
    now = new Date(now.getTime() + 31 * MINUTE);
    for (const agent of AGENTS) await poll(ctx, agent, "1");
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ action: "opened", purpose: "canary" });
    const canaryRound = await openRound(test.db);
    for (const agent of canaryAgents)
      await submitRoundEvaluation({
        ctx,
        input: evaluation(agent, canaryRound, 1),
      });
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ result: "canary promoted to active" });
    expect((await getModelWithStatus(test.db, "active"))?.version).toBe(2);
    expect((await poll(ctx, "agent-e", "1")).modelVersion).toBe("2");

    // The post-promotion check finds a regression: version 1 is restored.
    now = new Date(now.getTime() + 61 * MINUTE);
    for (const agent of AGENTS) await poll(ctx, agent, "2");
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ action: "opened", purpose: "watch" });
    const watch = await openRound(test.db);
    expect(watch).toMatchObject({ candidateVersion: 2, baseVersion: 1 });
    for (const agent of AGENTS)
      await submitRoundEvaluation({
        ctx,
        input: evaluation(agent, watch, 1.2),
      });
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({
      result: "active model regressed, previous version restored",
    });
    expect((await getModelWithStatus(test.db, "active"))?.version).toBe(1);
    expect(
      (await listModelVersions(test.db, { limit: 5 })).map(
        (m) => `${m.version}:${m.status}`,
      ),
    ).toEqual(["2:retired", "1:active"]);

    const actions = (
      await listAuditLog(test.db, { limit: 100, offset: 0 })
    ).map((a) => a.action);
    for (const action of [
      "model.register",
      "model.candidate",
      "model.canary",
      "model.activate",
      "model.retire",
      "model.rollback",
      "model.restore",
      "federation.round.open",
      "federation.round.close",
    ])
      expect(actions).toContain(action);
  });

  it("abandons a round below the minimum, and never applies half a close", async () => {
    const failing = context(test.db, () => {
      throw new Error("encoder down");
    });
    now = new Date(now.getTime() + 10 * MINUTE);
    for (const agent of AGENTS) await poll(failing, agent, "1");
    expect(
      (await advanceFederation({ ctx: failing, settings: SETTINGS })).step,
    ).toMatchObject({ action: "opened", kind: "train" });
    const round = await openRound(test.db);
    for (const agent of ["agent-a", "agent-b", "agent-c"])
      await submitRoundUpdate({
        ctx: failing,
        input: upload(agent, String(round.id)),
      });
    now = new Date(now.getTime() + 11 * MINUTE);
    // The aggregate cannot be encoded: the transaction rolls back, the round stays open, no version.
    await expect(
      advanceFederation({ ctx: failing, settings: SETTINGS }),
    ).rejects.toThrow(/encoder down/);
    expect((await openRound(test.db)).id).toBe(round.id);
    expect(
      await listModelVersions(test.db, { limit: 10, statuses: ["candidate"] }),
    ).toEqual([]);

    // A replica restarted later (fresh context) closes it into a candidate and opens its gate.
    const ctx = context(test.db);
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ action: "closed", kind: "train" });
    const gate = await openRound(test.db);
    expect(gate.purpose).toBe("gate");
    // Nobody evaluates before the deadline: the gate is abandoned and the candidate retired unpromoted.
    now = new Date(now.getTime() + 11 * MINUTE);
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ result: "gate evaluation abandoned, candidate retired" });
    expect((await getModelWithStatus(test.db, "active"))?.version).toBe(1);

    // A training round with two of five updates by its deadline is abandoned: no candidate.
    for (const agent of AGENTS) await poll(ctx, agent, "1");
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ action: "opened", kind: "train" });
    const thin = await openRound(test.db);
    for (const agent of ["agent-a", "agent-b"])
      await submitRoundUpdate({ ctx, input: upload(agent, String(thin.id)) });
    now = new Date(now.getTime() + 11 * MINUTE);
    const abandoned = (await advanceFederation({ ctx, settings: SETTINGS }))
      .step;
    expect(abandoned.action === "closed" && abandoned.result).toMatch(
      /^abandoned: 2 accepted updates/,
    );
    await expect(
      submitRoundUpdate({ ctx, input: upload("agent-c", String(thin.id)) }),
    ).rejects.toThrow(/is abandoned/);
    expect(
      await listModelVersions(test.db, {
        limit: 10,
        statuses: ["candidate", "canary"],
      }),
    ).toEqual([]);
  });

  it("refuses replayed, unknown and mis-kinded round ids, Infinity, absurd norms and a second upload", async () => {
    const ctx = context(test.db);
    now = new Date(now.getTime() + 10 * MINUTE);
    for (const agent of AGENTS) await poll(ctx, agent, "1");
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ action: "opened", kind: "train" });
    const round = await openRound(test.db);
    const id = String(round.id);
    const small = Float32Array.from({ length: PARAMETERS }, (_, k) =>
      k % 5 === 0 ? 1e-3 : 0,
    );

    // An upload replayed for the first training round (closed long ago) or for a round that never was.
    expect(await getRound(test.db, 1)).toMatchObject({
      kind: "train",
      status: "closed",
    });
    await expect(
      submitRoundUpdate({ ctx, input: upload("agent-a", "1") }),
    ).rejects.toThrow(/round 1 is closed/);
    await expect(
      submitRoundUpdate({ ctx, input: upload("agent-a", "999999") }),
    ).rejects.toThrow(/does not exist/);
    // Evaluation scalars sent to a training round, a round id that is no number, Infinity scalars.
    await expect(
      submitRoundEvaluation({
        ctx,
        input: evaluation("agent-a", { ...round, candidateVersion: 1 }, 1),
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      submitRoundUpdate({ ctx, input: upload("agent-a", "1; drop table") }),
    ).rejects.toBeInstanceOf(ValidationError);

    // Infinity and an absurd norm are stored as refusals, so a second upload is a duplicate.
    const infinite = Float32Array.from(small);
    infinite[7] = Number.NEGATIVE_INFINITY;
    expect(
      await submitRoundUpdate({
        ctx,
        input: upload("agent-b", id, { delta: infinite }),
      }),
    ).toMatchObject({ accepted: false, reason: "non_finite" });
    expect(
      await submitRoundUpdate({
        ctx,
        input: upload("agent-c", id, { delta: small.map((v) => v * 1e6) }),
      }),
    ).toMatchObject({ accepted: false, reason: "norm" });
    await expect(
      submitRoundUpdate({
        ctx,
        input: upload("agent-b", id, { delta: small }),
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    for (const agent of ["agent-a", "agent-d", "agent-e"])
      expect(
        await submitRoundUpdate({
          ctx,
          input: upload(agent, id, { delta: small }),
        }),
      ).toEqual({ accepted: true });
    expect(
      (await listRoundUpdates(test.db, round.id)).map(
        (u) => `${u.agentId}:${u.refusal ?? "ok"}`,
      ),
    ).toEqual([
      "agent-a:ok",
      "agent-b:non_finite",
      "agent-c:norm",
      "agent-d:ok",
      "agent-e:ok",
    ]);

    // Only the three accepted updates make the candidate.
    expect(
      (await advanceFederation({ ctx, settings: SETTINGS })).step,
    ).toMatchObject({ action: "closed", kind: "train" });
    expect(await getRound(test.db, round.id)).toMatchObject({
      status: "closed",
      candidateVersion: expect.any(Number) as number,
    });
    expect(
      await listModelVersions(test.db, { limit: 10, statuses: ["candidate"] }),
    ).toMatchObject([{ participants: 3, parentVersion: 1 }]);
  });
});
