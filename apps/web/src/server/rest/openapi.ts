import { z } from "zod";

import type { RestRouteMeta } from "./define";

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    target: "openapi-3.0",
    override: (ctx) => {
      const def = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod
        ?.def;
      if (def?.type === "date")
        Object.assign(ctx.jsonSchema, { type: "string", format: "date-time" });
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parameters(route: RestRouteMeta): JsonSchema[] {
  const result: JsonSchema[] = [];
  for (const [where, schema] of [
    ["path", route.params],
    ["query", route.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, "input");
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...propertySchema } = property;
      result.push({
        name,
        in: where,
        required: where === "path" || required.has(name),
        ...(typeof description === "string" ? { description } : {}),
        schema: propertySchema,
      });
    }
  }
  return result;
}

const PROBLEM_RESPONSE = {
  description: "Problem details (RFC 9457)",
  content: {
    "application/problem+json": {
      schema: { $ref: "#/components/schemas/Problem" },
    },
  },
};

function operation(route: RestRouteMeta): JsonSchema {
  return {
    operationId: route.operationId,
    summary: route.summary,
    parameters: parameters(route),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: toSchema(route.body, "input") },
            },
          },
        }
      : {}),
    responses: {
      "200": {
        description: "OK",
        content: {
          "application/json": {
            schema: route.response
              ? toSchema(route.response, "output")
              : { type: "object" },
          },
        },
      },
      "400": PROBLEM_RESPONSE,
      "401": PROBLEM_RESPONSE,
      "403": PROBLEM_RESPONSE,
      "404": PROBLEM_RESPONSE,
      "409": PROBLEM_RESPONSE,
      "415": PROBLEM_RESPONSE,
    },
  };
}

/** OpenAPI 3 for /api/v1, generated from the same zod schemas the handlers parse with. */
export function buildOpenApiDocument(
  routes: readonly RestRouteMeta[],
): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.0.3",
    info: { title: "Kubewise API", version: "1.0.0" },
    servers: [{ url: "/api/v1" }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "API token created in the UI",
        },
      },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail", "code"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            code: { type: "string" },
            errors: {
              type: "object",
              additionalProperties: {
                type: "array",
                items: { type: "string" },
              },
            },
          },
        },
      },
    },
  };
}
