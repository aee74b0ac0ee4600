import type { ServiceContext } from "@kubewise/services";

import { handleRest } from "./handle";
import { findRoute } from "./routes";

/** A GET through the REST handler as a bearer-token caller whose context is `ctx` (tests). */
export async function restGet(
  ctx: ServiceContext,
  path: string,
  query: string,
): Promise<Response> {
  const route = findRoute("GET", path);
  if (!route) throw new Error(`no route ${path}`);
  return handleRest({
    route,
    request: new Request(`http://127.0.0.1/api/v1${path}?${query}`, {
      headers: { authorization: "Bearer test" },
    }),
    rawParams: {},
    deps: {
      allowedOrigin: "http://127.0.0.1",
      authenticate: () => Promise.resolve(ctx),
    },
  });
}
