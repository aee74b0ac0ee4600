import { readFileSync } from "node:fs";
import tls from "node:tls";

import { experimental, ServerCredentials } from "@grpc/grpc-js";

/** PEM files of the aggregator's serving certificate (a mounted Secret: tls.crt, tls.key). */
export type ServerTlsFiles = {
  certFile: string;
  keyFile: string;
  /**
   * How often the files are read again (default 60 s): a rotated Secret, which the kubelet swaps
   * into the mount, is served to new connections without a restart.
   */
  refreshIntervalMs?: number;
};

export type ServerTls = {
  credentials: ServerCredentials;
  /** Stops re-reading the files (the server's own subscription ends when it closes). */
  close: () => void;
};

const MIN_TLS_VERSION = "TLSv1.2";
const DEFAULT_REFRESH_MS = 60_000;
const FIRST_READ_TIMEOUT_MS = 10_000;

function readOrExplain(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(
      `cannot read the gRPC TLS ${what} ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * TLS for the agents' link when both files are given, else plaintext (demo and tests only). The
 * files are read again every `refreshIntervalMs` (grpc-js's FileWatcherCertificateProvider), so a
 * rotated certificate needs no restart; resolves once the first read is in place, so the first
 * connection already gets the certificate. grpc-js builds its server from Node's TLS defaults:
 * the floor is raised to TLS 1.2 should a runtime flag (--tls-min-v1.0) have lowered it.
 */
export async function loadServerCredentials(
  files: ServerTlsFiles | undefined,
): Promise<ServerTls> {
  if (files === undefined)
    return {
      credentials: ServerCredentials.createInsecure(),
      close: () => undefined,
    };
  if (tls.DEFAULT_MIN_VERSION !== "TLSv1.3")
    tls.DEFAULT_MIN_VERSION = MIN_TLS_VERSION;
  // fail at start, naming the file, rather than serving nothing
  readOrExplain(files.certFile, "certificate");
  readOrExplain(files.keyFile, "key");
  const provider = new experimental.FileWatcherCertificateProvider({
    certificateFile: files.certFile,
    privateKeyFile: files.keyFile,
    refreshIntervalMs: files.refreshIntervalMs ?? DEFAULT_REFRESH_MS,
  });
  const credentials = experimental.createCertificateProviderServerCredentials(
    provider,
    null,
    false,
  );
  let onFirst: (() => void) | undefined;
  const first = new Promise<void>((resolve) => (onFirst = resolve));
  const watcher = (options: tls.SecureContextOptions | null) => {
    if (options) onFirst?.();
  };
  // subscribing starts the provider; the server's own watcher then starts from a loaded context
  credentials._addWatcher(watcher);
  const close = () => credentials._removeWatcher(watcher);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      first,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `the gRPC TLS certificate ${files.certFile} and key ${files.keyFile} did not load within ${FIRST_READ_TIMEOUT_MS} ms`,
              ),
            ),
          FIRST_READ_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { credentials, close };
}
