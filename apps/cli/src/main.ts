import { CommanderError } from "commander";

import { ApiError, createApiClient } from "./client";
import { createProgram } from "./commands";
import { loadEnv } from "./env";

// Exit codes: 0 ok, 1 the API refused or failed, 2 bad usage or configuration.
async function main(): Promise<number> {
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    process.stderr.write(
      `kw: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 2;
  }
  const program = createProgram({
    client: createApiClient({ baseUrl: env.baseUrl, token: env.token }),
    write: (text) => process.stdout.write(`${text}\n`),
  });
  try {
    await program.parseAsync(process.argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ApiError) {
      const status =
        error.status === 0 ? "" : ` (HTTP ${String(error.status)})`;
      process.stderr.write(`kw: ${error.message}${status}\n`);
      return 1;
    }
    process.stderr.write(
      `kw: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

process.exitCode = await main();
