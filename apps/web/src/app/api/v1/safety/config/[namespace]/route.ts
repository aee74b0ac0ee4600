import { restHandler } from "~/server/rest/next";

export const GET = restHandler("GET", "/safety/config/{namespace}");
export const PUT = restHandler("PUT", "/safety/config/{namespace}");
