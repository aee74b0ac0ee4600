import { closeSync, openSync, readSync } from "node:fs";

const MISSING_CODES = new Set(["ENOENT", "ENODEV", "ENOTDIR", "ESRCH"]);

function isMissingError(error: unknown): boolean {
  return (
    error instanceof Error &&
    "code" in error &&
    MISSING_CODES.has(String(error.code))
  );
}

/**
 * Reads small pseudo-files synchronously into one reused buffer: per-file async reads cost
 * ~20x more CPU on cgroupfs (notes/reliability-and-security.md §3).
 */
export function createSyncFileReader(
  bufferBytes = 64 * 1024,
): (path: string) => string | undefined {
  const buffer = Buffer.allocUnsafe(bufferBytes);
  return (path) => {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (error) {
      if (isMissingError(error)) return undefined;
      throw error;
    }
    try {
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.toString("latin1", 0, length);
    } catch (error) {
      // A cgroup removed between open and read reports ENODEV: the container vanished.
      if (isMissingError(error)) return undefined;
      throw error;
    } finally {
      closeSync(fd);
    }
  };
}
