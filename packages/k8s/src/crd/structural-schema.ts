import { z } from "zod";

export type JsonSchema = Record<string, unknown>;

const ALLOWED_KEYS = new Set([
  "type",
  "properties",
  "required",
  "items",
  "enum",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minItems",
  "maxItems",
  "description",
  "default",
  "additionalProperties",
  "nullable",
]);
const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

function isRecord(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sanitizeNode(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!ALLOWED_KEYS.has(key) && !key.startsWith("x-kubernetes-")) continue;
    out[key] = value;
  }
  dropZodDefaults(out);
  sanitizeChildren(out);
  // structural schemas forbid additionalProperties: false next to properties; unknown fields are pruned anyway
  if (out.additionalProperties === false) delete out.additionalProperties;
  return out;
}

/** Removes what zod adds that the apiserver checks itself or that only restates the number type. */
function dropZodDefaults(out: JsonSchema): void {
  // zod emits a full RFC 3339 regex next to format: date-time; the apiserver validates the format itself
  if (out.format === "date-time") delete out.pattern;
  if (out.maximum === SAFE_INTEGER_BOUND) delete out.maximum;
  if (out.minimum === -SAFE_INTEGER_BOUND) delete out.minimum;
  if (out.type === "integer") out.format = "int64";
}

function sanitizeChildren(out: JsonSchema): void {
  if (isRecord(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [
        k,
        sanitizeNode(v as JsonSchema),
      ]),
    );
  }
  if (isRecord(out.items)) out.items = sanitizeNode(out.items);
  if (isRecord(out.additionalProperties))
    out.additionalProperties = sanitizeNode(out.additionalProperties);
}

/** Converts a zod schema into a Kubernetes structural OpenAPI v3 schema (no refs, no unions). */
export function toStructuralSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io: "input",
    unrepresentable: "throw",
    reused: "inline",
  });
  const forbidden = /"(\$ref|anyOf|oneOf|allOf|not)"/.exec(JSON.stringify(raw));
  if (forbidden)
    throw new Error(`schema is not structural: contains ${forbidden[1]}`);
  return sanitizeNode(raw);
}
