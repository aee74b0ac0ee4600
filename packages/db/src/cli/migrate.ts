import { startDatabase } from "../embedded/start-database";
import { DatabaseConfigError } from "../errors";
import { migrate } from "../migrate";
import { DATABASE_KINDS, type DatabaseKind } from "../preflight";

// Entry point of `npm run db:migrate`: migrates DATABASE_URL, or the embedded default database
// when it is unset. Bad input prints one line and exits 1, never a stack.
async function main(): Promise<void> {
  const { DATABASE_URL: url, KUBEWISE_DATABASE_KIND: kind = "auto" } =
    // eslint-disable-next-line no-restricted-properties -- CLI entry point, the only reader of its env
    process.env;
  if (!DATABASE_KINDS.includes(kind as DatabaseKind))
    throw new DatabaseConfigError(
      `KUBEWISE_DATABASE_KIND must be one of ${DATABASE_KINDS.join(", ")}, got "${kind}"`,
    );
  const database = await startDatabase({
    url: url === "" ? undefined : url,
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  try {
    const version = await migrate({
      url: database.url,
      expect: kind as DatabaseKind,
    });
    process.stdout.write(
      `migrated: schema version ${version.version} (${version.tag ?? "none"})\n`,
    );
  } finally {
    await database.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message =
      error instanceof DatabaseConfigError
        ? error.message
        : `migration failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  },
);
