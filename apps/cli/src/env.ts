import { z } from "zod";

const EnvSchema = z.object({
  KUBEWISE_URL: z
    .url("KUBEWISE_URL must be the dashboard URL, e.g. http://127.0.0.1:3000")
    .default("http://127.0.0.1:3000"),
  KUBEWISE_TOKEN: z.string().min(1).optional(),
});

export type CliEnv = Readonly<{ baseUrl: string; token: string | undefined }>;

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
  return Object.freeze({
    baseUrl: parsed.data.KUBEWISE_URL.replace(/\/+$/, ""),
    token: parsed.data.KUBEWISE_TOKEN,
  });
}
