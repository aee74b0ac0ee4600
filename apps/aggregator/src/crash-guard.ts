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

const CONNECTION_LOST_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "ECONNRESET",
]);

/**
 * postgres.js `begin` races the transaction body against the connection closing; when the close
 * wins, the body's own ROLLBACK/COMMIT on the dead connection later rejects with nobody listening
 * (postgres/src/index.js `scope`). The transaction already failed for its caller (no ack, the agent
 * resends), so a lost-connection error raised from inside postgres.js is survivable.
 */
export function isPostgresOrphanedConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return (
    typeof code === "string" &&
    CONNECTION_LOST_CODES.has(code) &&
    (error.stack ?? "").includes("postgres/src/")
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
    if (isPostgresOrphanedConnectionError(error)) {
      logger.warn(
        { err: error },
        "postgres.js rejected an orphaned query after its connection closed; the transaction had already failed, continuing",
      );
      return;
    }
    logger.fatal({ err: error }, "uncaught exception, exiting");
    exit(1);
  });
}
