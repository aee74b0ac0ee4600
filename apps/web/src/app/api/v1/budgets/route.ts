import { restHandler } from "~/server/rest/next";

export const GET = restHandler("GET", "/budgets");
export const POST = restHandler("POST", "/budgets");
