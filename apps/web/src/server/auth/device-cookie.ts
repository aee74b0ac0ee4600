import { createHmac, timingSafeEqual } from "node:crypto";

/** Set after a successful password login; exempts this browser from the per-account throttle. */
export const DEVICE_COOKIE = "kw_device";
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 30 * 86_400;

function mac(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

/** "<base64url email>.<expires ms>.<hmac>" */
export function signDeviceCookie(
  secret: string,
  email: string,
  nowMs: number,
): string {
  const payload = `${Buffer.from(email.toLowerCase()).toString("base64url")}.${nowMs + DEVICE_COOKIE_MAX_AGE_SECONDS * 1000}`;
  return `${payload}.${mac(secret, payload)}`;
}

export function isKnownDevice({
  secret,
  cookie,
  email,
  nowMs,
}: {
  secret: string;
  cookie: string | undefined;
  email: string;
  nowMs: number;
}): boolean {
  const [encodedEmail = "", expires = "", signature = ""] = (
    cookie ?? ""
  ).split(".");
  const payload = `${encodedEmail}.${expires}`;
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  return (
    given.length === expected.length &&
    timingSafeEqual(given, expected) &&
    Number(expires) > nowMs &&
    Buffer.from(encodedEmail, "base64url").toString() ===
      email.trim().toLowerCase()
  );
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: unknown, name: string): string | undefined {
  if (typeof header !== "string") return undefined;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}
