import type { Command } from "commander";

import { createApiClient } from "./client";
import type { ApiClient } from "./client";
import { readConfig, selectContext, writeConfig } from "./config";
import type { CliEnv } from "./env";

const DEFAULT_URL = "http://127.0.0.1:3000";

export type Connection = { baseUrl: string; token: string | undefined };

/** --context, then KUBEWISE_URL/KUBEWISE_TOKEN, then the config's current context, then localhost. */
export async function resolveConnection(
  env: CliEnv,
  contextName: string | undefined,
): Promise<Connection> {
  const config = await readConfig(env.configPath);
  const selected =
    contextName !== undefined ||
    (env.baseUrl === undefined && env.token === undefined)
      ? selectContext(config, contextName)
      : undefined;
  return {
    baseUrl: env.baseUrl ?? selected?.context.url ?? DEFAULT_URL,
    token: env.token ?? selected?.context.token,
  };
}

/** A client whose connection is resolved on the first request (after options are parsed). */
export function createLazyClient(
  resolve: () => Promise<Connection>,
  fetchFn?: typeof fetch,
): ApiClient {
  let client: Promise<ApiClient> | undefined;
  return {
    async request(request) {
      client ??= resolve().then((connection) =>
        createApiClient({ ...connection, fetchFn }),
      );
      return (await client).request(request);
    },
  };
}

type LoginIo = {
  env: CliEnv;
  write: (text: string) => void;
  readToken: () => Promise<string>;
  fetchFn?: typeof fetch;
};

type Me = { email: string; role: string };

export function addLoginCommands(program: Command, io: LoginIo): void {
  program
    .command("login")
    .description(
      "check an API token against a Kubewise server and store it as a context (token from --token or stdin)",
    )
    .requiredOption(
      "--url <url>",
      "dashboard URL, e.g. https://kubewise.example.com",
    )
    .option("--token <token>", "API token (default: read from stdin)")
    .action(
      async (options: { url: string; token?: string }, command: Command) => {
        // --context is the program's global option (it also picks the context of other commands).
        const contextName = command.optsWithGlobals<{ context?: string }>()
          .context;
        const url = new URL(options.url).origin;
        const token = (options.token ?? (await io.readToken())).trim();
        if (token === "") throw new Error("no token given (--token or stdin)");
        const client = createApiClient({
          baseUrl: url,
          token,
          fetchFn: io.fetchFn,
        });
        const me = (await client.request({ method: "GET", path: "/me" })) as Me;
        const name = contextName ?? new URL(url).host;
        const config = await readConfig(io.env.configPath);
        config.contexts[name] = { url, token };
        config["current-context"] = name;
        await writeConfig(io.env.configPath, config);
        io.write(
          `logged in to ${url} as ${me.email} (${me.role}); context "${name}" saved in ${io.env.configPath}`,
        );
      },
    );
  const contexts = program
    .command("config")
    .description("contexts saved by kw login");
  contexts
    .command("get-contexts")
    .description("list saved contexts (* = current)")
    .action(async () => {
      const config = await readConfig(io.env.configPath);
      const names = Object.keys(config.contexts);
      io.write(
        names.length === 0
          ? "No contexts; run kw login."
          : names
              .map(
                (name) =>
                  `${name === config["current-context"] ? "*" : " "} ${name}\t${config.contexts[name]?.url ?? ""}`,
              )
              .join("\n"),
      );
    });
  contexts
    .command("use-context <name>")
    .description("make a saved context the current one")
    .action(async (name: string) => {
      const config = await readConfig(io.env.configPath);
      selectContext(config, name);
      config["current-context"] = name;
      await writeConfig(io.env.configPath, config);
      io.write(`current context: ${name}`);
    });
}
