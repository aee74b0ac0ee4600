import { restHandler } from "~/server/rest/next";

export const GET = restHandler("GET", "/cost-settings");
export const PUT = restHandler("PUT", "/cost-settings");
