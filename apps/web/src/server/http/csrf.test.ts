import { describe, expect, it } from "vitest";

import { checkMutationRequest } from "./csrf";

const ORIGIN = "http://127.0.0.1:3000";

function request(method: string, headers: Record<string, string>): Request {
  return new Request(`${ORIGIN}/api/trpc/recommendation.approve`, {
    method,
    headers,
  });
}

type Case = {
  name: string;
  method: string;
  headers: Record<string, string>;
  status: number | undefined;
};

describe("checkMutationRequest", () => {
  it.each<Case>([
    {
      name: "GET is always allowed",
      method: "GET",
      headers: {},
      status: undefined,
    },
    {
      name: "same-origin JSON POST",
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      status: undefined,
    },
    {
      name: "JSON POST with charset and Sec-Fetch-Site same-origin",
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "sec-fetch-site": "same-origin",
      },
      status: undefined,
    },
    {
      name: "form POST (what a cross-site form sends)",
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: ORIGIN,
      },
      status: 415,
    },
    {
      name: "text/plain POST",
      method: "POST",
      headers: { "content-type": "text/plain" },
      status: 415,
    },
    {
      name: "cross-site JSON POST",
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: "https://evil.example",
      },
      status: 403,
    },
    {
      name: "cookie POST without Origin or Sec-Fetch-Site",
      method: "PUT",
      headers: { "content-type": "application/json" },
      status: 403,
    },
    {
      name: "bearer-token POST without Origin (CLI)",
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer kw_abc",
      },
      status: undefined,
    },
  ])("$name -> $status", ({ method, headers, status }) => {
    const verdict = checkMutationRequest(request(method, headers), ORIGIN);
    expect(verdict.ok ? undefined : verdict.status).toBe(status);
  });
});
