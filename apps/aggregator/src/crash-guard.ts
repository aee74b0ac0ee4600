import type { Logger } from "pino";

/**
 * postgres.js 3.4.9 can throw from a setImmediate after a connection closes mid-write
 * (porsager/postgres#1154, #1208; fix pending in #1168). The query was already rejected with
 * CONNECTION_CLOSED, so only this exact error is survivable; anything else still kills the process.
 */
export function isPostgresNullSocketError(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    error.message.includes("reading 'write'") &&
    (error.stack ?? "").includes("postgres/src/connection.js")
  );
}

export function installCrashGuard(
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  process.on("uncaughtException", (error) => {
    if (isPostgresNullSocketError(error)) {
      logger.warn(
        { err: error },
        "postgres.js wrote to a closed socket (porsager/postgres#1154); the query was already rejected, continuing",
      );
      return;
    }
    logger.fatal({ err: error }, "uncaught exception, exiting");
    exit(1);
  });
}
