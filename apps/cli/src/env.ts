import { homedir } from "node:os";
import { join } from "node:path";

import { z } from "zod";

const EnvSchema = z.object({
  KUBEWISE_URL: z
    .url("KUBEWISE_URL must be the dashboard URL, e.g. http://127.0.0.1:3000")
    .optional(),
  KUBEWISE_TOKEN: z.string().min(1).optional(),
  KUBEWISE_CONFIG: z.string().min(1).optional(),
  XDG_CONFIG_HOME: z.string().min(1).optional(),
});

export type CliEnv = Readonly<{
  baseUrl: string | undefined;
  token: string | undefined;
  /** Where `kw login` keeps one URL + token per context. */
  configPath: string;
}>;

/** Reads the CLI's environment once; throws one error naming every bad variable. */
export function loadEnv(
  source: Record<string, string | undefined> = process.env,
): CliEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        .join("; "),
    );
  }
  const configHome = parsed.data.XDG_CONFIG_HOME ?? join(homedir(), ".config");
  return Object.freeze({
    baseUrl: parsed.data.KUBEWISE_URL?.replace(/\/+$/, ""),
    token: parsed.data.KUBEWISE_TOKEN,
    configPath:
      parsed.data.KUBEWISE_CONFIG ??
      join(configHome, "kubewise", "config.yaml"),
  });
}
