import { authenticateApiToken } from "@kubewise/services";
import type { ServiceContext } from "@kubewise/services";

import { env } from "../../env";
import { actorOf } from "../actor";
import { getSessionUser } from "../auth/session";
import { createPublicContext, createServiceContext } from "../services";
import type { RestRoute } from "./define";
import { handleRest } from "./handle";
import { findRoute } from "./routes";

const BEARER = /^Bearer\s+(.+)$/i;

/** Bearer API token first (scripts, kw); otherwise the browser's session cookie. */
async function authenticate(
  request: Request,
): Promise<ServiceContext | undefined> {
  const header = request.headers.get("authorization");
  const token = header ? BEARER.exec(header)?.[1] : undefined;
  if (header !== null) {
    if (token === undefined) return undefined;
    const user = await authenticateApiToken({
      ctx: createPublicContext(),
      input: { token },
    });
    return user ? createServiceContext(user.actor) : undefined;
  }
  const user = await getSessionUser();
  return user ? createServiceContext(actorOf(user)) : undefined;
}

type NextRouteContext = { params: Promise<Record<string, string>> };

/** A Next route handler for the REST route with this method and path (see routes.ts). */
export function restHandler(method: RestRoute["method"], path: string) {
  const route = findRoute(method, path);
  if (!route) throw new Error(`no REST route ${method} ${path}`);
  return async (
    request: Request,
    context: NextRouteContext,
  ): Promise<Response> =>
    handleRest({
      route,
      request,
      rawParams: await context.params,
      deps: { allowedOrigin: new URL(env.NEXTAUTH_URL).origin, authenticate },
    });
}
