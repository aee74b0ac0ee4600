import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import { parse, stringify } from "yaml";
import { z } from "zod";

const ContextSchema = z.object({ url: z.url(), token: z.string().min(1) });
const ConfigSchema = z.object({
  "current-context": z.string().optional(),
  contexts: z.record(z.string(), ContextSchema).default({}),
});
export type CliConfig = z.infer<typeof ConfigSchema>;
export type CliContext = z.infer<typeof ContextSchema>;

/** The config file, or an empty config when there is none yet. */
export async function readConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { contexts: {} };
    throw error;
  }
  const parsed = ConfigSchema.safeParse(parse(text) ?? {});
  if (!parsed.success)
    throw new Error(
      `${path} is not a kw config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

/** Writes atomically with mode 0600: the file holds API tokens. */
export async function writeConfig(
  path: string,
  config: CliConfig,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, stringify(config), { mode: 0o600 });
  await rename(temporary, path);
}

export function selectContext(
  config: CliConfig,
  name: string | undefined,
): { name: string; context: CliContext } | undefined {
  const chosen = name ?? config["current-context"];
  if (chosen === undefined) return undefined;
  const context = config.contexts[chosen];
  if (!context)
    throw new Error(
      `no context "${chosen}" in the kw config; known: ${Object.keys(config.contexts).join(", ") || "none (run kw login)"}`,
    );
  return { name: chosen, context };
}
