import { restHandler } from "~/server/rest/next";

export const GET = restHandler("GET", "/clusters");
