import { startDatabase } from "../embedded/start-database";
import { DatabaseConfigError } from "../errors";
import { migrate } from "../migrate";

// Entry point of `npm run db:migrate`: migrates DATABASE_URL, or the embedded default database
// when it is unset. Bad input prints one line and exits 1, never a stack.
async function main(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- CLI entry point, the only reader of its env
  const url = process.env.DATABASE_URL;
  const database = await startDatabase({
    url: url === "" ? undefined : url,
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  try {
    const version = await migrate({ url: database.url });
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
