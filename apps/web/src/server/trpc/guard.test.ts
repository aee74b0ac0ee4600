import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it, vi } from "vitest";

import { PERMISSIONS, ROLES } from "@kubewise/services";
import type { Role, VerbName } from "@kubewise/services";

import {
  createFakeServiceContext,
  sessionUserWithRole,
} from "../testing/fake-context";
import { appRouter, createCaller } from "./root";

const ID = "3f1c6c84-6d0e-4d7a-9a57-0d3c1f2b9a10";

// Every procedure -> the services verb it calls and a valid input. A new procedure without an
// entry here fails the first test, so nothing reaches production unguarded by accident.
const PROCEDURES: Record<
  string,
  { verb: VerbName | "public" | "signed-in"; input: unknown }
> = {
  "status.get": { verb: "public", input: undefined },
  "status.details": { verb: "signed-in", input: undefined },
  "recommendation.list": { verb: "listRecommendations", input: {} },
  "recommendation.get": { verb: "getRecommendation", input: { id: ID } },
  "recommendation.dryRun": { verb: "dryRunRecommendation", input: { id: ID } },
  "recommendation.approve": {
    verb: "approveRecommendation",
    input: { id: ID },
  },
  "recommendation.reject": {
    verb: "rejectRecommendation",
    input: { id: ID, reason: "too tight" },
  },
  "recommendation.bulkApprove": {
    verb: "bulkApproveRecommendations",
    input: { ids: [ID] },
  },
  "cluster.list": { verb: "listClusters", input: undefined },
  "cost.overview": { verb: "getCosts", input: {} },
  "cost.savings": { verb: "getSavings", input: {} },
  "cost.allocation": { verb: "getAllocation", input: {} },
  "cost.drilldown": { verb: "getCostDrilldown", input: {} },
  "cost.settings": { verb: "getCostSettings", input: {} },
  "cost.putSettings": { verb: "putCostSettings", input: { settings: {} } },
  "anomaly.list": { verb: "listAnomalies", input: {} },
  "model.registry": { verb: "getModelRegistry", input: {} },
  "safety.get": { verb: "getSafetyConfig", input: { namespace: "payments" } },
  "safety.put": {
    verb: "putSafetyConfig",
    input: {
      namespace: "payments",
      config: {
        dryRunEnabled: true,
        requireApproval: true,
        autoApplyEnabled: false,
        autoApplyMinConfidence: 0.9,
      },
    },
  },
  "audit.list": { verb: "listAuditEntries", input: {} },
  "budget.list": { verb: "listBudgets", input: {} },
  "budget.create": {
    verb: "createBudget",
    input: {
      name: "shop",
      scopeKind: "namespace",
      scopeValue: "shop",
      monthlyLimitMicroUsd: 1_000_000,
    },
  },
  "budget.delete": { verb: "deleteBudget", input: { id: ID } },
  "budget.alerts": { verb: "listAlerts", input: {} },
  "budget.channels": { verb: "listNotificationChannels", input: {} },
  "budget.createChannel": {
    verb: "createNotificationChannel",
    input: { name: "ops", kind: "webhook", target: "https://hooks.example/x" },
  },
  "audit.verify": { verb: "verifyAuditChain", input: {} },
  "token.list": { verb: "listApiTokens", input: {} },
  "token.create": { verb: "createApiToken", input: { name: "ci" } },
  "token.revoke": { verb: "revokeApiToken", input: { id: ID } },
};

const getStatus = () => Promise.reject(new Error("not used"));
const RANK: Record<Role, number> = { viewer: 0, approver: 1, admin: 2 };

type AnyProcedure = (input: unknown) => Promise<unknown>;

function procedureOf(caller: unknown, path: string): AnyProcedure {
  const [router = "", name = ""] = path.split(".");
  const procedure = (
    caller as Record<
      string,
      Record<string, AnyProcedure | undefined> | undefined
    >
  )[router]?.[name];
  if (!procedure) throw new Error(`no procedure ${path}`);
  return procedure;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (error) {
    return error instanceof TRPCError ? error.code : "NOT_A_TRPC_ERROR";
  }
}

const guarded = Object.entries(PROCEDURES).filter(
  ([, entry]) => entry.verb !== "public",
) as [string, { verb: VerbName | "signed-in"; input: unknown }][];

beforeAll(() => {
  // Allowed calls end in the fake database error, which the adapters log as unexpected.
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

describe("tRPC authorization", () => {
  it("has a guard entry for every procedure of the router", () => {
    expect(Object.keys(appRouter._def.procedures).sort()).toEqual(
      Object.keys(PROCEDURES).sort(),
    );
  });

  it.each(guarded)(
    "%s answers UNAUTHORIZED without a session",
    async (path, { input }) => {
      const caller = createCaller({
        user: undefined,
        createServiceContext: createFakeServiceContext,
        getStatus,
      });
      expect(await codeOf(procedureOf(caller, path)(input))).toBe(
        "UNAUTHORIZED",
      );
    },
  );

  const matrix = guarded.flatMap(([path, entry]) =>
    ROLES.map((role) => ({ path, role, ...entry })),
  );
  it.each(matrix)(
    "$path as $role: FORBIDDEN exactly when below the verb's role",
    async ({ path, role, verb, input }) => {
      const caller = createCaller({
        user: sessionUserWithRole(role),
        createServiceContext: createFakeServiceContext,
        getStatus,
      });
      const code = await codeOf(procedureOf(caller, path)(input));
      const required = verb === "signed-in" ? "viewer" : PERMISSIONS[verb];
      if (required !== "public" && RANK[role] < RANK[required])
        expect(code).toBe("FORBIDDEN");
      // Allowed callers get past authorization and reach the (fake, throwing) database.
      else expect(code).toBe("INTERNAL_SERVER_ERROR");
    },
  );
});
