export * from "./schema";
export {
  createDb,
  type CreateDbOptions,
  type Db,
  type DbExecutor,
  type DbClient,
  type Schema,
  type Sql,
} from "./client";
export { checkDatabaseConnection } from "./connection-check";
export { DatabaseConfigError } from "./errors";
export { parseDatabaseUrl, type DatabaseTarget } from "./url";
export {
  getSchemaVersion,
  migrate,
  MIGRATIONS_FOLDER,
  type SchemaVersion,
} from "./migrate";
export {
  startDatabase,
  type RunningDatabase,
  type StartDatabaseOptions,
} from "./embedded/start-database";
export { getDefaultDataDir } from "./embedded/data-dir";
export {
  createSingletonLock,
  SINGLETON_LOCK_KEYS,
  type ExclusiveResult,
  type SingletonLock,
} from "./singleton-lock";
export * from "./audit";
export * from "./metrics";
export * from "./queries";
