/** Polls `probe` once a second until it returns a value; the error names what never came. */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}`,
      );
    await new Promise((resolve) =>
      setTimeout(resolve, options.intervalMs ?? 1000),
    );
  }
}
