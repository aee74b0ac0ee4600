import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PUT";

export type RestRoute<Ctx = unknown> = {
  method: HttpMethod;
  /** OpenAPI-style path below /api/v1, e.g. "/recommendations/{id}". */
  path: string;
  operationId: string;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Response body schema for the OpenAPI document. */
  response?: z.ZodType;
  run: (args: {
    ctx: Ctx;
    params: unknown;
    query: unknown;
    body: unknown;
  }) => Promise<unknown>;
};

/** Typed helper: parse results flow into `run` with their inferred types. */
export function defineRoute<
  Ctx,
  P extends z.ZodType = z.ZodType<undefined>,
  Q extends z.ZodType = z.ZodType<undefined>,
  B extends z.ZodType = z.ZodType<undefined>,
>(route: {
  method: HttpMethod;
  path: string;
  operationId: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  response?: z.ZodType;
  run: (args: {
    ctx: Ctx;
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
  }) => Promise<unknown>;
}): RestRoute<Ctx> {
  return route as RestRoute<Ctx>;
}

/** Everything but the handler: what documentation and guards need. */
export type RestRouteMeta = Omit<RestRoute, "run">;

export function isMutation(route: Pick<RestRoute, "method">): boolean {
  return route.method !== "GET";
}
