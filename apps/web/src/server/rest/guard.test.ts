import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { beforeAll, describe, expect, it, vi } from "vitest";

import { PERMISSIONS, ROLES } from "@kubewise/services";
import type { Role, VerbName } from "@kubewise/services";

import { actorOf } from "../actor";
import {
  createFakeServiceContext,
  sessionUserWithRole,
} from "../testing/fake-context";
import { isMutation } from "./define";
import type { RestRouteMeta } from "./define";
import { handleRest } from "./handle";
import { REST_ROUTES } from "./routes";

const ORIGIN = "http://127.0.0.1:3000";
const ID = "3f1c6c84-6d0e-4d7a-9a57-0d3c1f2b9a10";
const API_DIR = fileURLToPath(new URL("../../app/api/v1", import.meta.url));
const RANK: Record<Role, number> = { viewer: 0, approver: 1, admin: 2 };

const SAMPLE_BODIES: Record<string, unknown> = {
  createBudget: {
    name: "shop",
    scopeKind: "namespace",
    scopeValue: "payments",
    monthlyLimitMicroUsd: 100_000_000,
  },
  putCostSettings: { settings: {} },
  rejectRecommendation: { reason: "too tight for peak traffic" },
  putSafetyConfig: {
    dryRunEnabled: true,
    requireApproval: true,
    autoApplyEnabled: false,
    autoApplyMinConfidence: 0.9,
  },
};

function requestFor(
  route: RestRouteMeta,
  headers: Record<string, string> = {},
): Request {
  const path = route.path
    .replace("{id}", ID)
    .replace("{namespace}", "payments");
  const body = isMutation(route)
    ? JSON.stringify(SAMPLE_BODIES[route.operationId] ?? {})
    : undefined;
  return new Request(`${ORIGIN}/api/v1${path}`, {
    method: route.method,
    headers: {
      "content-type": "application/json",
      authorization: "Bearer kw_test",
      ...headers,
    },
    body,
  });
}

const PARAMS = { id: ID, namespace: "payments" };

function routeFiles(dir: string): { method: string; path: string }[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith("route.ts"))
    .flatMap((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      return [...text.matchAll(/restHandler\("(\w+)", "([^"]+)"\)/g)].map(
        (m) => ({ method: m[1] ?? "", path: m[2] ?? "" }),
      );
    });
}

beforeAll(() => {
  // Allowed calls end in the fake database error, which the adapters log as unexpected.
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

describe("REST authorization", () => {
  it("every route file under app/api/v1 serves a route of the table, and every table route has a file", () => {
    const files = routeFiles(API_DIR)
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(files).toEqual(
      REST_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
  });

  it("names each route after the services verb it calls", () => {
    for (const route of REST_ROUTES)
      expect(Object.keys(PERMISSIONS)).toContain(route.operationId);
  });

  it.each(
    REST_ROUTES.map(
      (route) => [`${route.method} ${route.path}`, route] as const,
    ),
  )("%s answers 401 problem+json without credentials", async (_name, route) => {
    const response = await handleRest({
      route,
      request: requestFor(route),
      rawParams: PARAMS,
      deps: {
        allowedOrigin: ORIGIN,
        authenticate: () => Promise.resolve(undefined),
      },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe(
      "application/problem+json",
    );
  });

  const matrix = REST_ROUTES.flatMap((route) =>
    ROLES.map((role) => ({
      name: `${route.method} ${route.path}`,
      route,
      role,
    })),
  );
  it.each(matrix)(
    "$name as $role: 403 exactly when below the verb's role",
    async ({ route, role }) => {
      const ctx = createFakeServiceContext(actorOf(sessionUserWithRole(role)));
      const response = await handleRest({
        route,
        request: requestFor(route),
        rawParams: PARAMS,
        deps: {
          allowedOrigin: ORIGIN,
          authenticate: () => Promise.resolve(ctx),
        },
      });
      const required = PERMISSIONS[route.operationId as VerbName];
      const expected =
        required !== "public" && RANK[role] < RANK[required] ? 403 : 500;
      expect(response.status).toBe(expected);
    },
  );

  it.each(
    REST_ROUTES.filter(isMutation).map(
      (route) => [`${route.method} ${route.path}`, route] as const,
    ),
  )(
    "%s refuses a cross-site cookie request (403) and a form post (415)",
    async (_name, route) => {
      const deps = {
        allowedOrigin: ORIGIN,
        authenticate: () => Promise.resolve(undefined),
      };
      const crossSite = new Request(requestFor(route), {
        headers: {
          "content-type": "application/json",
          origin: "https://evil.example",
        },
      });
      expect(
        (
          await handleRest({
            route,
            request: crossSite,
            rawParams: PARAMS,
            deps,
          })
        ).status,
      ).toBe(403);
      const form = new Request(requestFor(route), {
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect(
        (await handleRest({ route, request: form, rawParams: PARAMS, deps }))
          .status,
      ).toBe(415);
    },
  );
});
