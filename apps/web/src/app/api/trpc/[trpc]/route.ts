import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import { env } from "~/env";
import { getSessionUser } from "~/server/auth/session";
import { checkMutationRequest } from "~/server/http/csrf";
import { problemResponse } from "~/server/http/problem";
import { createServiceContext } from "~/server/services";
import { getStatus } from "~/server/system";
import { appRouter } from "~/server/trpc/root";

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
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: async () => ({
      user: await getSessionUser(),
      createServiceContext,
      getStatus,
    }),
  });
}

export { handler as GET, handler as POST };
