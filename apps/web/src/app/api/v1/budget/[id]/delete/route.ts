import { restHandler } from "~/server/rest/next";

export const POST = restHandler("POST", "/budget/{id}/delete");
