import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import { env } from "~/env";
import { getSessionUser } from "~/server/auth/session";
import { checkMutationRequest } from "~/server/http/csrf";
import { problemResponse } from "~/server/http/problem";
import {
  BodyTooLargeError,
  readBodyText,
} from "~/server/http/security-headers";
import { createServiceContext } from "~/server/services";
import { getStatus } from "~/server/system";
import { appRouter } from "~/server/trpc/root";

/** The body read with the 1 MiB cap (chunked bodies carry no Content-Length for the proxy to check). */
async function boundedRequest(request: Request): Promise<Request> {
  if (request.method === "GET" || request.method === "HEAD") return request;
  const body = await readBodyText(request);
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body,
  });
}

async function handler(request: Request): Promise<Response> {
  const verdict = checkMutationRequest(
    request,
    new URL(env.NEXTAUTH_URL).origin,
  );
  if (!verdict.ok)
    return problemResponse({
      status: verdict.status,
      code: verdict.code,
      detail: verdict.detail,
    });
  let req: Request;
  try {
    req = await boundedRequest(request);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return problemResponse({
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      detail: error.message,
    });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => ({
      user: await getSessionUser(),
      createServiceContext,
      getStatus,
    }),
  });
}

export { handler as GET, handler as POST };
