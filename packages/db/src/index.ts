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
export {
  checkDatabaseKind,
  DATABASE_KINDS,
  findDatabaseKindProblems,
  type DatabaseKind,
  type ServerFacts,
} from "./preflight";
export { DatabaseConfigError } from "./errors";
export { parseDatabaseUrl, withDatabase, type DatabaseTarget } from "./url";
export {
  getSchemaVersion,
  migrate,
  MIGRATIONS_FOLDER,
  type SchemaVersion,
} from "./migrate";
export {
  ensureDatabase,
  startDatabase,
  type RunningDatabase,
  type StartDatabaseOptions,
} from "./embedded/start-database";
export { getDefaultDataDir } from "./embedded/data-dir";
export {
  startLocalPostgres,
  type LocalExtension,
  type LocalPostgres,
} from "./servers/local-postgres";
export {
  prepareCitusDatabase,
  startLocalCitus,
  type LocalCitus,
} from "./servers/citus";
export {
  createPassShardLeases,
  MAX_PASS_MEMBERS,
  passShardOf,
  type PassShardLeases,
} from "./pass-shards";
export {
  createSingletonLock,
  runExclusiveTransaction,
  SINGLETON_LOCK_KEYS,
  type ExclusiveResult,
  type SingletonLock,
} from "./singleton-lock";
export * from "./audit";
export * from "./metrics";
export * from "./queries";
