/** Request bodies above this are refused with 413 before they are read (issue 15 §6). */
export const MAX_BODY_BYTES = 1024 * 1024;

export type SecurityHeaderOptions = {
  nonce: string;
  /** React needs eval only in `next dev`. */
  development: boolean;
  https: boolean;
};

/**
 * The page CSP: scripts only from us or carrying this response's nonce; no framing by anyone
 * (frame-ancestors, plus X-Frame-Options for old browsers). Styles allow inline attributes:
 * recharts and React `style` props set them, and a nonce in style-src would disable that.
 */
export function buildContentSecurityPolicy(
  options: SecurityHeaderOptions,
): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** Headers every response carries, pages and API alike. */
export function baseSecurityHeaders(https: boolean): Record<string, string> {
  return {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    ...(https
      ? { "strict-transport-security": "max-age=31536000; includeSubDomains" }
      : {}),
  };
}

export type BodySizeVerdict =
  { ok: true } | { ok: false; status: 413; detail: string };

/** Checks a declared Content-Length; bodies without one are capped while they are read. */
export function checkDeclaredBodySize(
  contentLength: string | null,
  maxBytes: number = MAX_BODY_BYTES,
): BodySizeVerdict {
  if (contentLength === null) return { ok: true };
  const bytes = Number(contentLength);
  if (Number.isFinite(bytes) && bytes <= maxBytes) return { ok: true };
  return {
    ok: false,
    status: 413,
    detail: `Request body exceeds ${maxBytes} bytes`,
  };
}

export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`Request body exceeds ${maxBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Reads a request body as text, stopping (and throwing) as soon as it passes `maxBytes`. */
export async function readBodyText(
  request: Request,
  maxBytes: number = MAX_BODY_BYTES,
): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
