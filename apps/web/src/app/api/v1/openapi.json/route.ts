import { buildOpenApiDocument } from "~/server/rest/openapi";
import { REST_ROUTES } from "~/server/rest/routes";

const document = buildOpenApiDocument(REST_ROUTES);

export function GET(): Response {
  return Response.json(document);
}
