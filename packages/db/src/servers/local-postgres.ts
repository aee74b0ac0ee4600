// A throwaway or demo PostgreSQL server from the machine's Debian PostgreSQL 15 (the only one the
// extensions in ../shared/vendor build against), with TimescaleDB or Citus preloaded. Loopback only,
// `trust` authentication: for tests and local demos, never for production.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
} from "node:fs";
import { userInfo } from "node:os";
import { dirname, join, relative } from "node:path";

import { findFreePort } from "../embedded/free-port";
import { DatabaseConfigError } from "../errors";

export type LocalExtension = "timescaledb" | "citus";

export type LocalPostgresOptions = {
  /** Created and initialised when missing; reused (data kept) when it already holds a cluster. */
  dataDir: string;
  preload?: readonly LocalExtension[];
  settings?: Record<string, string>;
  port?: number;
  onProgress?: (message: string) => void;
};

export type LocalPostgres = {
  /** Superuser URL of the `postgres` database. */
  adminUrl: string;
  port: number;
  stop: () => Promise<void>;
};

const PG_CONFIG = "/usr/lib/postgresql/15/bin/pg_config";
const BUILD_HINT = "run scripts/db/build-extensions.sh";
const VENDORED: readonly LocalExtension[] = ["timescaledb", "citus"];

function pgConfig(flag: string): string {
  if (!existsSync(PG_CONFIG))
    throw new DatabaseConfigError(
      `Debian PostgreSQL 15 is not installed (${PG_CONFIG} missing): ${BUILD_HINT}`,
    );
  return execFileSync(PG_CONFIG, [flag], { encoding: "utf8" }).trim();
}

function assertExtensionsBuilt(preload: readonly LocalExtension[]): void {
  const libDir = pgConfig("--pkglibdir");
  const libraries = readdirSync(libDir);
  for (const extension of preload) {
    const found =
      extension === "citus"
        ? libraries.includes("citus.so")
        : libraries.some((name) => /^timescaledb-\d.*\.so$/.test(name));
    if (!found)
      throw new DatabaseConfigError(
        `${extension} is not built into ${libDir}: ${BUILD_HINT}`,
      );
  }
}

const isRoot = (): boolean => userInfo().uid === 0;

/** Runs a PostgreSQL binary as the `postgres` user when we are root (initdb refuses root). */
function runPg(bindir: string, binary: string, args: string[]): void {
  const path = join(bindir, binary);
  const [command, argv] = isRoot()
    ? ["runuser", ["-u", "postgres", "--", path, ...args]]
    : [path, args];
  const result = spawnSync(command, argv, { encoding: "utf8" });
  if (result.status !== 0)
    throw new DatabaseConfigError(
      `${binary} ${args[0] ?? ""} failed: ${(result.stderr || result.stdout || String(result.error)).trim().split("\n").slice(-3).join(" | ")}`,
    );
}

/**
 * Both extensions install into Debian's one PostgreSQL tree, but migration 0001 creates
 * TimescaleDB whenever the server offers it, and TimescaleDB ends the session (FATAL) when it is
 * not preloaded. A server that must not use an installed extension (a Citus node, a plain
 * server) therefore runs from a relocated copy of the tree that does not offer it: PostgreSQL
 * finds its lib and share directories relative to its own binary. Returns the bin directory.
 */
function serverTree(
  preload: readonly LocalExtension[],
  scratch: string,
): string {
  const bindir = pgConfig("--bindir");
  const libdir = pgConfig("--pkglibdir");
  const sharedir = pgConfig("--sharedir");
  const hidden = VENDORED.filter(
    (e) =>
      !preload.includes(e) &&
      existsSync(join(sharedir, "extension", `${e}.control`)),
  );
  if (hidden.length === 0) return bindir;
  const root = join(scratch, `pg-tree-without-${hidden.join("-")}`);
  const place = (path: string) => join(root, relative("/", path));
  const isHidden = (name: string) => hidden.some((e) => name.startsWith(e));
  if (!existsSync(place(bindir))) {
    mkdirSync(place(bindir), { recursive: true });
    // Copies, not links: PostgreSQL resolves symlinks when it locates itself.
    for (const binary of ["postgres", "initdb", "pg_ctl"])
      copyFileSync(join(bindir, binary), join(place(bindir), binary));
    for (const [from, skip] of [
      [libdir, isHidden],
      [sharedir, (name: string) => name === "extension"],
      [join(sharedir, "extension"), isHidden],
    ] as const) {
      mkdirSync(place(from), { recursive: true });
      for (const name of readdirSync(from))
        if (!skip(name) && !existsSync(join(place(from), name)))
          symlinkSync(join(from, name), join(place(from), name));
    }
    for (let dir = place(bindir); dir !== dirname(root); dir = dirname(dir))
      chmodSync(dir, 0o755);
  }
  return place(bindir);
}

function prepareDataDir(dataDir: string): boolean {
  const initialised = existsSync(join(dataDir, "PG_VERSION"));
  if (initialised) return false;
  // The postgres user must be able to reach the data directory through its parent.
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (isRoot()) {
    const uid = Number(
      execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }),
    );
    const gid = Number(
      execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }),
    );
    chownSync(dataDir, uid, gid);
  }
  return true;
}

function serverOptions(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(
      ([key, value]) =>
        `-c ${key}=${value.includes(" ") ? `'${value}'` : value}`,
    )
    .join(" ");
}

export async function startLocalPostgres(
  options: LocalPostgresOptions,
): Promise<LocalPostgres> {
  const progress = options.onProgress ?? (() => undefined);
  const preload = options.preload ?? [];
  assertExtensionsBuilt(preload);
  const bindir = serverTree(preload, dirname(options.dataDir));
  if (prepareDataDir(options.dataDir)) {
    progress(`initialising ${options.dataDir}`);
    runPg(bindir, "initdb", [
      "-D",
      options.dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--no-instructions",
    ]);
  }
  const port = options.port ?? (await findFreePort());
  const settings = {
    port: String(port),
    listen_addresses: "127.0.0.1",
    unix_socket_directories: options.dataDir,
    ...(preload.length > 0
      ? { shared_preload_libraries: preload.join(",") }
      : {}),
    ...options.settings,
  };
  progress(
    `starting PostgreSQL 15 (${preload.join(", ") || "plain"}) on 127.0.0.1:${port}`,
  );
  runPg(bindir, "pg_ctl", [
    "start",
    "-D",
    options.dataDir,
    "-w",
    "-t",
    "120",
    "-l",
    join(options.dataDir, "server.log"),
    "-o",
    serverOptions(settings),
  ]);
  let stopped = false;
  const stopNow = (mode: "fast" | "immediate") => {
    if (stopped) return;
    stopped = true;
    process.off("exit", onExit);
    try {
      runPg(bindir, "pg_ctl", [
        "stop",
        "-D",
        options.dataDir,
        "-m",
        mode,
        "-w",
      ]);
    } catch {
      // Already gone (e.g. killed by a fault test): nothing left to stop.
    }
  };
  const onExit = () => stopNow("immediate");
  process.on("exit", onExit);
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => Promise.resolve(stopNow("fast")),
  };
}
