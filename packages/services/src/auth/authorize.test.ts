import { pino } from "pino";
import { describe, expect, it } from "vitest";

import { ForbiddenError } from "@kubewise/core";
import type { DbExecutor } from "@kubewise/db";

import type { Actor, ServiceContext } from "../context";
import * as services from "../index";
import { canAccessNamespace } from "./authorize";
import { PERMISSIONS, type VerbName } from "./permissions";

// Any database access throws, which proves authorization runs before the verb touches data.
const untouchableDb = new Proxy({} as DbExecutor, {
  get: (_target, property) => {
    throw new Error(
      `database touched before authorization (${String(property)})`,
    );
  },
});

const viewer: Actor = {
  userId: "00000000-0000-4000-8000-000000000001",
  role: "viewer",
  scopes: [],
};
type Verb = (args: { ctx: ServiceContext; input: unknown }) => Promise<unknown>;
const verbs = Object.entries(PERMISSIONS) as [
  VerbName,
  (typeof PERMISSIONS)[VerbName],
][];

function verb(name: VerbName): Verb {
  const fn = (services as Record<string, unknown>)[name];
  if (typeof fn !== "function")
    throw new Error(`${name} is in PERMISSIONS but not exported as a function`);
  return fn as Verb;
}

function ctxFor(actor: Actor | undefined): ServiceContext {
  return {
    db: untouchableDb,
    actor,
    clock: { now: () => new Date(0) },
    logger: pino({ level: "silent" }),
    ports: {},
  } as ServiceContext;
}

describe("authorization table", () => {
  it.each(verbs)("%s is exported as a verb", (name) => {
    expect(typeof verb(name)).toBe("function");
  });

  it.each(verbs.filter(([, role]) => role !== "public"))(
    "%s refuses an unauthenticated caller",
    async (name) => {
      await expect(
        verb(name)({ ctx: ctxFor(undefined), input: {} }),
      ).rejects.toBeInstanceOf(ForbiddenError);
    },
  );

  it.each(verbs.filter(([, role]) => role === "approver" || role === "admin"))(
    "%s refuses a viewer",
    async (name) => {
      await expect(
        verb(name)({ ctx: ctxFor(viewer), input: {} }),
      ).rejects.toBeInstanceOf(ForbiddenError);
    },
  );

  it.each(verbs.filter(([, role]) => role === "admin"))(
    "%s refuses an approver",
    async (name) => {
      await expect(
        verb(name)({ ctx: ctxFor({ ...viewer, role: "approver" }), input: {} }),
      ).rejects.toBeInstanceOf(ForbiddenError);
    },
  );

  it("lists every exported verb-shaped function", () => {
    const exportedVerbs = Object.entries(services)
      .filter(
        ([name, value]) =>
          typeof value === "function" &&
          /^[a-z]/.test(name) &&
          !/^(authorize|assertNamespaceAccess|canAccessNamespace|createPinnedClock|parseSinceDays|toAuthenticatedUser|createNotificationSender)$/.test(
            name,
          ),
      )
      .map(([name]) => name)
      .sort();
    expect(exportedVerbs).toEqual(Object.keys(PERMISSIONS).sort());
  });
});

describe("canAccessNamespace", () => {
  const cluster = "c1";
  it.each([
    ["all scopes", "all", "shop", true],
    [
      "exact namespace",
      [{ clusterId: cluster, namespace: "shop" }],
      "shop",
      true,
    ],
    [
      "wildcard namespace",
      [{ clusterId: cluster, namespace: "*" }],
      "payments",
      true,
    ],
    [
      "other namespace",
      [{ clusterId: cluster, namespace: "shop" }],
      "payments",
      false,
    ],
    ["other cluster", [{ clusterId: "c2", namespace: "*" }], "shop", false],
    ["no scopes", [], "shop", false],
  ] as const)("%s -> %s", (_name, scopes, namespace, allowed) => {
    const actor: Actor = {
      ...viewer,
      scopes: scopes === "all" ? "all" : [...scopes],
    };
    expect(canAccessNamespace(actor, { clusterId: cluster, namespace })).toBe(
      allowed,
    );
  });
});
