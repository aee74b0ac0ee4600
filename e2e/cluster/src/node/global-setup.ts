// `npm run e2e:node`: builds the images (npm run images), brings the local node up (or reuses it),
// starts a PostgreSQL the pods reach on the node IP, and installs the chart with the local images.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { TestProject } from "vitest/node";

import {
  createDb,
  migrate,
  startDatabase,
  type RunningDatabase,
} from "@kubewise/db";

import { REPO_ROOT } from "../global-setup";
import { loadNodeEnv } from "./env";
import {
  E2E,
  installRelease,
  waitForReleasePods,
  type NodeSuiteContext,
} from "./release";
import { recordResult } from "./results";
import { deployTestWorkloads } from "./workloads";

declare module "vitest" {
  // declaration merging needs an interface here
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  export interface ProvidedContext {
    nodeSuite: NodeSuiteContext;
  }
}

const NODE_IP = "10.88.0.1";
const log = (message: string) => console.log(`e2e:node  ${message}`);

/** Wall time of each setup phase in seconds, printed and kept in the results (e2e:node's summary). */
const phases: Record<string, number> = {};
async function phase<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  phases[name] = Math.round((Date.now() - started) / 100) / 10;
  log(`${name}: ${phases[name]} s`);
  return result;
}

/**
 * Runs scripts/cluster/<name>, its progress on stderr as it comes. Fails with the script's last
 * words: the node scripts name the component that did not start and the path of its log.
 */
function script(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, "scripts", "cluster", name), args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve(stdout);
      const last = stderr.trim().split("\n").slice(-3).join("\n");
      reject(
        new Error(
          `scripts/cluster/${name} ${args.join(" ")} failed (exit ${code}): ${last || "no output"}`,
        ),
      );
    });
  });
}

/** Embedded PostgreSQL on the host, listening on loopback and on the node IP for the pods. */
async function startPodReachableDatabase(
  dir: string,
): Promise<RunningDatabase> {
  mkdirSync(dir, { recursive: true });
  const hba = join(dir, "pg_hba.conf");
  writeFileSync(
    hba,
    [
      "local all all scram-sha-256",
      "host all all 127.0.0.1/32 scram-sha-256",
      "host all all 10.88.0.0/16 scram-sha-256",
      "",
    ].join("\n"),
  );
  return startDatabase({
    dataDir: join(dir, "data"),
    settings: {
      listen_addresses: `127.0.0.1,${NODE_IP}`,
      hba_file: hba,
      fsync: "off",
    },
    onProgress: log,
  });
}

/**
 * The data directory outlives a run (KEEP_CLUSTER, or a node left by a failed run): each run starts
 * from an empty database, as on a cold machine.
 */
async function recreateDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = "/postgres";
  const admin = createDb({ url: target.toString(), max: 1 });
  try {
    await admin.sql.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.sql.unsafe(`create database "${name}"`);
  } finally {
    await admin.sql.end();
  }
}

export default async function setup(project: TestProject) {
  const env = loadNodeEnv(process.env);
  const started = Date.now();
  const ownCluster = env.KUBECONFIG === undefined;
  const kube = {
    KUBEWISE_CACHE: env.KUBEWISE_CACHE,
    KUBEWISE_CLUSTER_DIR: env.KUBEWISE_CLUSTER_DIR,
  };
  if (env.KUBEWISE_E2E_SKIP_IMAGES === "0") {
    log("building the images (npm run images)");
    await phase("images", () =>
      execFileSync(
        process.execPath,
        [
          join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"),
          join(REPO_ROOT, "scripts/images/build.ts"),
        ],
        { stdio: "inherit" },
      ),
    );
  }
  let kubeconfigPath = env.KUBECONFIG ?? "";
  if (ownCluster) {
    await phase("cluster_binaries", () =>
      execFileSync(join(REPO_ROOT, "scripts", "cluster", "build.sh"), [], {
        env: { ...process.env, ...kube },
        stdio: "inherit",
      }),
    );
    log(
      "starting the control plane and the node (scripts/cluster/start.sh --node)",
    );
    kubeconfigPath = await phase(
      "node_start",
      async () =>
        (await script("start.sh", ["--node"], kube))
          .trim()
          .split("\n")
          .at(-1) ?? "",
    );
  }
  const bin = join(env.KUBEWISE_CACHE, "k8s-v1.35.4", "bin");
  let database: RunningDatabase | undefined;
  let hostDatabaseUrl = env.KUBEWISE_E2E_DATABASE_URL ?? "";
  let podDatabaseUrl = hostDatabaseUrl;
  await phase("database", async () => {
    if (ownCluster) {
      database = await startPodReachableDatabase(
        join(env.KUBEWISE_CLUSTER_DIR, "postgres"),
      );
      hostDatabaseUrl = database.url;
      podDatabaseUrl = database.url.replace("@127.0.0.1:", `@${NODE_IP}:`);
      await recreateDatabase(hostDatabaseUrl);
    }
    await migrate({ url: hostDatabaseUrl });
  });
  const context: NodeSuiteContext = {
    kubeconfigPath,
    kubectlPath: join(bin, "kubectl"),
    helmPath: join(bin, "helm"),
    databaseUrl: hostDatabaseUrl,
    podDatabaseUrl,
    registry: env.KUBEWISE_E2E_IMAGE_REGISTRY,
    clusterDir: ownCluster ? env.KUBEWISE_CLUSTER_DIR : undefined,
    resultsFile: join(REPO_ROOT, "dist", "e2e-node-results.json"),
  };
  await phase("helm_install", () => installRelease(context, log));
  // the test workloads start now: the agent samples them while the release's pods come up
  deployTestWorkloads(context);
  await phase("pods_ready", () => waitForReleasePods(context, log));
  log(
    `node, images and release ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  recordResult(context, { setup_phases_s: phases });

  project.provide("nodeSuite", context);
  // the shared harness (kubectl(), waitFor()) reads these
  project.provide("kubeconfigPath", kubeconfigPath);
  project.provide("kubectlPath", context.kubectlPath);
  project.provide("helmPath", context.helmPath);
  project.provide("chartNamespace", E2E.namespace);
  project.provide("controllerServiceAccount", `${E2E.release}-aggregator`);

  return async () => {
    // the embedded server ends with this process anyway (its data directory stays): stopping it
    // here spares vitest's 10 s close timeout
    await database?.stop();
    if (env.KUBEWISE_KEEP_CLUSTER === "1") return;
    if (ownCluster) await script("stop.sh", [], kube);
  };
}
