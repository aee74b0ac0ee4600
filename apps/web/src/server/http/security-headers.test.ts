import { describe, expect, it } from "vitest";

import {
  BodyTooLargeError,
  buildContentSecurityPolicy,
  checkDeclaredBodySize,
  MAX_BODY_BYTES,
  readBodyText,
} from "./security-headers";

describe("buildContentSecurityPolicy", () => {
  it("allows only our own and nonce'd scripts and forbids framing", () => {
    const csp = buildContentSecurityPolicy({
      nonce: "abc123",
      development: false,
      https: false,
    });
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toContain("upgrade-insecure-requests");
  });

  it("adds eval only in development and upgrades requests on https", () => {
    const csp = buildContentSecurityPolicy({
      nonce: "n",
      development: true,
      https: true,
    });
    expect(csp).toContain("'unsafe-eval'");
    expect(csp).toContain("upgrade-insecure-requests");
  });
});

describe("body size", () => {
  it.each([
    [null, true],
    ["0", true],
    [String(MAX_BODY_BYTES), true],
    [String(MAX_BODY_BYTES + 1), false],
    ["30000000", false],
    ["not-a-number", false],
  ])("Content-Length %s -> ok=%s", (contentLength, ok) => {
    expect(checkDeclaredBodySize(contentLength).ok).toBe(ok);
  });

  it("stops reading a body without Content-Length at the limit", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const request = new Request("http://x/api", {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expect(readBodyText(request, 256 * 1024)).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
    // An endless body is abandoned after just over the limit, not read to the end.
    expect(pulled).toBeLessThan(10);
  });

  it("reads a small body", async () => {
    const request = new Request("http://x/api", {
      method: "POST",
      body: '{"a":1}',
    });
    expect(await readBodyText(request)).toBe('{"a":1}');
  });
});
