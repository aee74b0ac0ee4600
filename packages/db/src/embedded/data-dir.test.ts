import { chmod, mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DatabaseConfigError } from "../errors";
import {
  assertReachableByPostgresUser,
  getDefaultDataDir,
  isRootUser,
} from "./data-dir";

describe("embedded data directory", () => {
  let closed: string;

  beforeAll(async () => {
    closed = await mkdtemp(join(tmpdir(), "kubewise-closed-"));
    await chmod(closed, 0o700);
  });
  afterAll(async () => {
    await rm(closed, { recursive: true, force: true });
  });

  it("defaults to a per-user directory, or a system one for root", () => {
    const expected = isRootUser()
      ? "/var/lib/kubewise/pg"
      : join(homedir(), ".local/share/kubewise/pg");
    expect(getDefaultDataDir()).toBe(expected);
  });

  it.runIf(isRootUser())(
    "as root, rejects a data directory the postgres user cannot enter, naming the blocker",
    async () => {
      const dataDir = join(closed, "nested", "pg");
      await expect(assertReachableByPostgresUser(dataDir)).rejects.toThrow(
        new DatabaseConfigError(
          `data directory ${dataDir} is not reachable by the postgres user (${closed} is not searchable); choose another directory`,
        ),
      );
      await chmod(closed, 0o755);
      await expect(
        assertReachableByPostgresUser(dataDir),
      ).resolves.toBeUndefined();
      await chmod(closed, 0o700);
    },
  );
});
