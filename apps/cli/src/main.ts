import { text } from "node:stream/consumers";

import { CommanderError } from "commander";

import { ApiError, describeApiError } from "./client";
import { createProgram } from "./commands";
import { loadEnv } from "./env";
import { addLoginCommands, createLazyClient, resolveConnection } from "./login";

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
  const write = (line: string) => process.stdout.write(`${line}\n`);
  const program = createProgram({
    client: createLazyClient(() =>
      resolveConnection(env, program.opts<{ context?: string }>().context),
    ),
    write,
    extend: (root) =>
      addLoginCommands(root, {
        env,
        write,
        readToken: () => text(process.stdin),
      }),
  });
  try {
    await program.parseAsync(process.argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ApiError) {
      process.stderr.write(`${describeApiError(error)}\n`);
      return 1;
    }
    process.stderr.write(
      `kw: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

process.exitCode = await main();
