import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import type { TestProject } from "vitest/node";

import { loadEnv } from "./env";

export const REPO_ROOT = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
);
export const CHART_NAMESPACE = "kubewise-e2e";
export const RELEASE = "kubewise-e2e";

declare module "vitest" {
  // declaration merging needs an interface here
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  export interface ProvidedContext {
    kubeconfigPath: string;
    kubectlPath: string;
    helmPath: string;
    chartNamespace: string;
    controllerServiceAccount: string;
  }
}

function clusterBinDir(cache: string): string {
  const versions = readFileSync(
    join(REPO_ROOT, "scripts", "cluster", "versions.sh"),
    "utf8",
  );
  const version =
    /K8S_VERSION=\$\{K8S_VERSION:-(v[0-9.]+)\}/.exec(versions)?.[1] ?? "";
  return join(cache, `k8s-${version}`, "bin");
}

function tool(bin: string, name: string): string {
  const cached = join(bin, name);
  return existsSync(cached) ? cached : name;
}

function run(file: string, args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync(file, args, {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

/** A changed CRD answers 429 while its storage re-initialises; wait until a list succeeds. */
function waitUntilServed(kubectlPath: string, kube: NodeJS.ProcessEnv): void {
  for (let attempt = 0; ; attempt += 1) {
    try {
      run(
        kubectlPath,
        ["get", "resourcerecommendations", "-A", "--request-timeout=5s"],
        kube,
      );
      return;
    } catch (error) {
      if (attempt >= 50) throw error;
      execFileSync("sleep", ["0.2"]);
    }
  }
}

export default function setup(project: TestProject): () => void {
  const env = loadEnv(process.env);
  const started = Date.now();
  const ownCluster = env.KUBECONFIG === undefined;
  let kubeconfigPath = env.KUBECONFIG ?? "";
  if (ownCluster) {
    // a cold build takes ~15 min on 2 cores: stream its progress instead of capturing it
    execFileSync(join(REPO_ROOT, "scripts", "cluster", "build.sh"), [], {
      env: { ...process.env, KUBEWISE_CACHE: env.KUBEWISE_CACHE },
      stdio: "inherit",
    });
    kubeconfigPath =
      run(join(REPO_ROOT, "scripts", "cluster", "start.sh"), [], {
        KUBEWISE_CACHE: env.KUBEWISE_CACHE,
      })
        .trim()
        .split("\n")
        .at(-1) ?? "";
  }
  const bin = clusterBinDir(env.KUBEWISE_CACHE);
  const kubectlPath = tool(bin, "kubectl");
  const helmPath = tool(bin, "helm");
  const kube = { KUBECONFIG: kubeconfigPath };
  // CRDs first (Helm skips existing ones and never upgrades crds/), so a reused cluster gets the
  // current schema; then the chart for RBAC and the admission policy.
  const crds = join(REPO_ROOT, "charts", "kubewise", "crds");
  run(
    kubectlPath,
    ["apply", "--server-side", "--force-conflicts", "-f", crds],
    kube,
  );
  run(
    kubectlPath,
    ["wait", "--for=condition=Established", "-f", crds, "--timeout=60s"],
    kube,
  );
  const chart = join(REPO_ROOT, "charts", "kubewise");
  run(
    helmPath,
    [
      "upgrade",
      "--install",
      RELEASE,
      chart,
      "-n",
      CHART_NAMESPACE,
      "--create-namespace",
      "--set",
      "agent.enabled=false",
    ],
    kube,
  );
  waitUntilServed(kubectlPath, kube);
  console.log(
    `cluster suite: control plane + chart ready in ${Date.now() - started} ms (${ownCluster ? "local" : "KUBECONFIG"})`,
  );

  project.provide("kubeconfigPath", kubeconfigPath);
  project.provide("kubectlPath", kubectlPath);
  project.provide("helmPath", helmPath);
  project.provide("chartNamespace", CHART_NAMESPACE);
  project.provide("controllerServiceAccount", `${RELEASE}-aggregator`);

  return () => {
    if (ownCluster && env.KUBEWISE_KEEP_CLUSTER === "0") {
      run(join(REPO_ROOT, "scripts", "cluster", "stop.sh"), []);
      return;
    }
    if (!ownCluster)
      run(helmPath, ["uninstall", RELEASE, "-n", CHART_NAMESPACE], kube);
  };
}
