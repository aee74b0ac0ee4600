import { MAX_MESSAGE_BYTES } from "./converters";

export type Decoded<T> =
  { ok: true; message: T } | { ok: false; error: string };

// Decoding inside the handler (not in grpc-js) turns garbage into INVALID_ARGUMENT, not INTERNAL.
export function safeDecoder<T>(
  decode: (input: Uint8Array) => T,
): (buffer: Buffer) => Decoded<T> {
  return (buffer) => {
    if (buffer.length > MAX_MESSAGE_BYTES)
      return {
        ok: false,
        error: `message of ${buffer.length} bytes exceeds ${MAX_MESSAGE_BYTES}`,
      };
    try {
      return { ok: true, message: decode(buffer) };
    } catch (error) {
      return {
        ok: false,
        error: `undecodable message: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };
}

/** Bounds concurrent tasks; callers beyond the limit wait in FIFO order. */
export function createSemaphore(limit: number, onWait?: () => void) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) {
      onWait?.();
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Rejects after timeoutMs; the slow promise keeps running but no longer holds its caller. */
export function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`store call exceeded ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
