import { checkMutationRequest } from "../http/csrf";
import { problemResponse, toProblemResponse } from "../http/problem";
import { BodyTooLargeError, readBodyText } from "../http/security-headers";
import { isMutation } from "./define";
import type { RestRoute } from "./define";

type RestDeps<Ctx> = {
  allowedOrigin: string;
  /** Resolves the caller from `Authorization: Bearer` or the session cookie; undefined = anonymous. */
  authenticate: (request: Request) => Promise<Ctx | undefined>;
};

async function readJsonBody(request: Request): Promise<unknown> {
  const text = await readBodyText(request);
  return text.length === 0 ? {} : (JSON.parse(text) as unknown);
}

function queryObject(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}

function decode(
  route: RestRoute<unknown>,
  request: Request,
  rawParams: Record<string, string>,
) {
  return {
    params: route.params?.parse(rawParams),
    query: route.query?.parse(queryObject(new URL(request.url))),
  };
}

export type HandleRestInput<Ctx> = {
  route: RestRoute<Ctx>;
  request: Request;
  rawParams: Record<string, string>;
  deps: RestDeps<Ctx>;
};

/** Decode, authenticate, call the route's one verb, map errors to problem+json. */
export async function handleRest<Ctx>({
  route,
  request,
  rawParams,
  deps,
}: HandleRestInput<Ctx>): Promise<Response> {
  const verdict = checkMutationRequest(request, deps.allowedOrigin);
  if (!verdict.ok)
    return problemResponse({
      status: verdict.status,
      code: verdict.code,
      detail: verdict.detail,
    });
  try {
    const ctx = await deps.authenticate(request);
    if (ctx === undefined) {
      return problemResponse({
        status: 401,
        code: "UNAUTHENTICATED",
        detail: "Send Authorization: Bearer <API token>",
      });
    }
    const { params, query } = decode(
      route as RestRoute<unknown>,
      request,
      rawParams,
    );
    const body =
      isMutation(route) && route.body
        ? route.body.parse(await readJsonBody(request))
        : undefined;
    const result = await route.run({ ctx, params, query, body });
    if (result instanceof Response) return result;
    return Response.json(result ?? { ok: true }, { status: 200 });
  } catch (error) {
    return errorResponse(route.operationId, error);
  }
}

function errorResponse(operationId: string, error: unknown): Response {
  if (error instanceof BodyTooLargeError) {
    return problemResponse({
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      detail: error.message,
    });
  }
  if (error instanceof SyntaxError) {
    return problemResponse({
      status: 400,
      code: "VALIDATION",
      detail: "Request body is not valid JSON",
    });
  }
  const response = toProblemResponse(error);
  if (response.status >= 500)
    console.error("rest: unexpected error", operationId, error);
  return response;
}
