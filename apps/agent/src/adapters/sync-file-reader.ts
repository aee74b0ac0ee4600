import { closeSync, openSync, readSync } from "node:fs";

const MISSING_CODES = new Set(["ENOENT", "ENODEV", "ENOTDIR", "ESRCH"]);

function isMissingError(error: unknown): boolean {
  return (
    error instanceof Error &&
    "code" in error &&
    MISSING_CODES.has(String(error.code))
  );
}

export type SyncFileReader = {
  /** File contents, or undefined when the file (or its cgroup) does not exist. */
  read(path: string): string | undefined;
  /** Closes the kept descriptor of `path`, if any (call when its cgroup is gone). */
  forget(path: string): void;
  close(): void;
};

/**
 * Reads small pseudo-files synchronously into one reused buffer: per-file async reads cost
 * ~20x more CPU on cgroupfs (notes/reliability-and-security.md §3). Descriptors stay open
 * between scrapes (up to `maxOpenFiles`): a pread at offset 0 regenerates a cgroupfs file, and
 * open+close was a quarter of the scrape's CPU.
 */
export function createSyncFileReader(
  options: { bufferBytes?: number; maxOpenFiles?: number } = {},
): SyncFileReader {
  const buffer = Buffer.allocUnsafe(options.bufferBytes ?? 64 * 1024);
  const maxOpenFiles = options.maxOpenFiles ?? 4096;
  const fds = new Map<string, number>();

  const open = (path: string): number | undefined => {
    try {
      return openSync(path, "r");
    } catch (error) {
      if (isMissingError(error)) return undefined;
      throw error;
    }
  };
  const readFd = (fd: number): string | undefined => {
    try {
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.toString("latin1", 0, length);
    } catch (error) {
      // A cgroup removed between open and read reports ENODEV: the container vanished.
      if (isMissingError(error)) return undefined;
      throw error;
    }
  };
  const forget = (path: string) => {
    const fd = fds.get(path);
    if (fd === undefined) return;
    fds.delete(path);
    closeSync(fd);
  };

  return {
    read(path) {
      const kept = fds.get(path);
      if (kept !== undefined) {
        const text = readFd(kept);
        if (text !== undefined) return text;
        // The cgroup may have been recreated under the same path: retry once with a fresh open.
        forget(path);
      }
      const fd = open(path);
      if (fd === undefined) return undefined;
      if (fds.size < maxOpenFiles) {
        fds.set(path, fd);
        const text = readFd(fd);
        if (text === undefined) forget(path);
        return text;
      }
      try {
        return readFd(fd);
      } finally {
        closeSync(fd);
      }
    },
    forget,
    close() {
      for (const fd of fds.values()) closeSync(fd);
      fds.clear();
    },
  };
}
