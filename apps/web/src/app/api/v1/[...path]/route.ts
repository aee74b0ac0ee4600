import { apiRouteNotFound } from "~/server/http/problem";

export {
  apiRouteNotFound as GET,
  apiRouteNotFound as POST,
  apiRouteNotFound as PUT,
  apiRouteNotFound as PATCH,
  apiRouteNotFound as DELETE,
};
