// The demo's database: embedded PostgreSQL (default), DATABASE_URL, or a local TimescaleDB server
// or Citus cluster built from ../shared/vendor (scripts/db/build-extensions.sh), kept next to the
// embedded data directory so it survives restarts like the embedded one does.
import path from "node:path";

import {
  ensureDatabase,
  prepareCitusDatabase,
  startDatabase,
  startLocalCitus,
  startLocalPostgres,
  withDatabase,
  type DatabaseKind,
} from "@kubewise/db";

export type DemoStorage = "embedded" | "timescaledb" | "citus";

export type DemoDatabase = {
  url: string;
  /** What migrate() must find there (KUBEWISE_DATABASE_KIND). */
  kind: DatabaseKind;
  label: string;
  stop: () => Promise<void>;
};

export async function startDemoDatabase(options: {
  storage: DemoStorage;
  url: string | undefined;
  dataDir: string;
  log: (message: string) => void;
}): Promise<DemoDatabase> {
  const { storage, dataDir, log } = options;
  const base = path.dirname(dataDir);
  if (storage === "timescaledb") {
    const server = await startLocalPostgres({
      dataDir: path.join(base, "timescaledb", "pg"),
      preload: ["timescaledb"],
      onProgress: log,
    });
    await ensureDatabase(server.adminUrl, "kubewise");
    return {
      url: withDatabase(server.adminUrl, "kubewise"),
      kind: "timescaledb",
      label: "TimescaleDB (local)",
      stop: server.stop,
    };
  }
  if (storage === "citus") {
    const cluster = await startLocalCitus({
      baseDir: path.join(base, "citus"),
      workers: 2,
      onProgress: log,
    });
    const url = await prepareCitusDatabase({
      coordinatorAdminUrl: cluster.coordinatorAdminUrl,
      workerAdminUrls: cluster.workerAdminUrls,
      database: "kubewise",
    });
    return {
      url,
      kind: "citus",
      label: "Citus: coordinator + 2 workers (local)",
      stop: cluster.stop,
    };
  }
  const running = await startDatabase({
    url: options.url,
    dataDir,
    onProgress: log,
  });
  return {
    url: running.url,
    kind: "auto",
    label: running.embedded ? "embedded" : "DATABASE_URL",
    stop: running.stop,
  };
}
