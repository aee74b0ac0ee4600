import { describe, expect, it } from "vitest";

import { isKnownDevice, readCookie, signDeviceCookie } from "./device-cookie";

const SECRET = "test-secret-0123456789";

describe("device cookie", () => {
  const cookie = signDeviceCookie(SECRET, "Alice@Example.com", 0);

  it("recognises the account it was issued for, until it expires", () => {
    expect(
      isKnownDevice({
        secret: SECRET,
        cookie,
        email: "alice@example.com",
        nowMs: 1,
      }),
    ).toBe(true);
    expect(
      isKnownDevice({
        secret: SECRET,
        cookie,
        email: "bob@example.com",
        nowMs: 1,
      }),
    ).toBe(false);
    expect(
      isKnownDevice({
        secret: SECRET,
        cookie,
        email: "alice@example.com",
        nowMs: 31 * 86_400_000,
      }),
    ).toBe(false);
  });

  it("refuses a forged or tampered cookie", () => {
    const [email, , mac] = cookie.split(".");
    const extended = `${email ?? ""}.${String(10 ** 15)}.${mac ?? ""}`;
    expect(
      isKnownDevice({
        secret: SECRET,
        cookie: extended,
        email: "alice@example.com",
        nowMs: 1,
      }),
    ).toBe(false);
    expect(
      isKnownDevice({
        secret: "other-secret-0123456",
        cookie,
        email: "alice@example.com",
        nowMs: 1,
      }),
    ).toBe(false);
    expect(
      isKnownDevice({
        secret: SECRET,
        cookie: undefined,
        email: "alice@example.com",
        nowMs: 1,
      }),
    ).toBe(false);
  });

  it("reads one cookie from a Cookie header", () => {
    expect(
      readCookie(
        `a=1; kw_device=${encodeURIComponent(cookie)}; b=2`,
        "kw_device",
      ),
    ).toBe(cookie);
    expect(readCookie(undefined, "kw_device")).toBeUndefined();
  });
});
