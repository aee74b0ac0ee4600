import { describe, expect, it } from "vitest";

import { parseTrustedProxies, resolveClientIp } from "./client-ip";

describe("resolveClientIp", () => {
  const trusted = parseTrustedProxies("10.0.0.0/8, 192.168.1.7");
  it.each([
    [
      "no proxy: the socket, whatever the header says",
      "203.0.113.9",
      "1.2.3.4",
      "203.0.113.9",
    ],
    [
      "an untrusted peer cannot pick its key",
      "::ffff:198.51.100.2",
      "10.0.0.1, 1.2.3.4",
      "198.51.100.2",
    ],
    [
      "a trusted proxy: the last untrusted hop",
      "10.1.2.3",
      "1.2.3.4, 203.0.113.5",
      "203.0.113.5",
    ],
    [
      "two trusted proxies are skipped",
      "10.1.2.3",
      "203.0.113.5, 192.168.1.7",
      "203.0.113.5",
    ],
    [
      "a spoofed left part is ignored",
      "10.1.2.3",
      "6.6.6.6, 203.0.113.5",
      "203.0.113.5",
    ],
    ["a trusted proxy without a header", "10.1.2.3", undefined, "10.1.2.3"],
  ])("%s", (_name, socket, header, expected) => {
    expect(resolveClientIp(socket, header, trusted)).toBe(expected);
  });

  it("trusts no one by default", () => {
    expect(
      resolveClientIp("10.1.2.3", "1.2.3.4", parseTrustedProxies(undefined)),
    ).toBe("10.1.2.3");
  });

  it("refuses a malformed entry", () => {
    expect(() => parseTrustedProxies("10.0.0.0/8, proxy.local")).toThrow(
      /proxy.local/,
    );
  });
});
