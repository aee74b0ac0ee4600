import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";

/** How to reach the API server. The token is re-read per request: projected tokens rotate. */
export type KubeAccess = {
  server: string;
  ca: Buffer | undefined;
  insecureSkipTlsVerify: boolean;
  clientCert: Buffer | undefined;
  clientKey: Buffer | undefined;
  readToken: () => string | undefined;
};

export const SERVICE_ACCOUNT_DIR =
  "/var/run/secrets/kubernetes.io/serviceaccount";

/** The kubelet's secure port; the token must carry the API server's audience (TokenReview). */
export type KubeletConfig = {
  url: string;
  tokenFile: string;
  tls: { kind: "ca-file"; path: string } | { kind: "insecure-skip-verify" };
};

function readStartupFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code =
      error instanceof Error && "code" in error ? String(error.code) : error;
    throw new Error(`${variable} ${path}: cannot read it (${String(code)})`, {
      cause: error,
    });
  }
}

/** Fails at startup on an unreadable token or CA file; the token is re-read per request. */
export function kubeletAccess(config: KubeletConfig): KubeAccess {
  readStartupFile("KUBEWISE_KUBELET_TOKEN_FILE", config.tokenFile);
  return {
    server: config.url,
    ca:
      config.tls.kind === "ca-file"
        ? readStartupFile("KUBEWISE_KUBELET_CA_FILE", config.tls.path)
        : undefined,
    insecureSkipTlsVerify: config.tls.kind === "insecure-skip-verify",
    clientCert: undefined,
    clientKey: undefined,
    readToken: () => readFileSync(config.tokenFile, "utf8").trim(),
  };
}

/** In a pod: the mounted ServiceAccount and KUBERNETES_SERVICE_HOST/PORT (passed in from env.ts). */
export function inClusterAccess(
  service: { host: string; port: string },
  dir = SERVICE_ACCOUNT_DIR,
): KubeAccess {
  const host = service.host.includes(":") ? `[${service.host}]` : service.host;
  return {
    server: `https://${host}:${service.port}`,
    ca: readFileSync(join(dir, "ca.crt")),
    insecureSkipTlsVerify: false,
    clientCert: undefined,
    clientKey: undefined,
    readToken: () => readFileSync(join(dir, "token"), "utf8").trim(),
  };
}

type Named<T> = { name: string } & T;
type KubeconfigFile = {
  "current-context"?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
};

function field(
  source: Record<string, unknown> | undefined,
  key: string,
): string | undefined {
  const value = source?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function resolveFrom(base: string, path: string): string {
  return isAbsolute(path) ? path : join(base, path);
}

/** Inline `<key>-data` (base64) or a file path relative to the kubeconfig's folder. */
function material(
  source: Record<string, unknown> | undefined,
  key: string,
  base: string,
): Buffer | undefined {
  const data = field(source, `${key}-data`);
  if (data !== undefined) return Buffer.from(data, "base64");
  const path = field(source, key);
  if (path === undefined) return undefined;
  return readFileSync(resolveFrom(base, path));
}

function currentContext(config: KubeconfigFile, problem: (w: string) => Error) {
  const contextName = config["current-context"];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (context === undefined)
    throw problem(`current-context "${contextName ?? ""}" not found`);
  return {
    cluster: config.clusters?.find((c) => c.name === context.cluster)?.cluster,
    user: config.users?.find((u) => u.name === context.user)?.user,
  };
}

/** Parsed kubeconfig -> access for its current context; token, token file and client certs only. */
export function kubeconfigAccess(
  config: KubeconfigFile,
  kubeconfigPath: string,
): KubeAccess {
  const problem = (what: string) =>
    new Error(`kubeconfig ${kubeconfigPath}: ${what}`);
  const { cluster, user } = currentContext(config, problem);
  const server = field(cluster, "server");
  if (server === undefined) throw problem("the cluster has no server");
  if (user?.exec !== undefined || user?.["auth-provider"] !== undefined)
    throw problem(
      "exec and auth-provider users are not supported by the agent; use a token, tokenFile or client certificate",
    );
  const base = dirname(kubeconfigPath);
  const token = field(user, "token");
  const tokenFile = field(user, "tokenFile");
  return {
    server: server.replace(/\/$/, ""),
    ca: material(cluster, "certificate-authority", base),
    insecureSkipTlsVerify: cluster?.["insecure-skip-tls-verify"] === true,
    clientCert: material(user, "client-certificate", base),
    clientKey: material(user, "client-key", base),
    readToken: () =>
      tokenFile === undefined
        ? token
        : readFileSync(resolveFrom(base, tokenFile), "utf8").trim(),
  };
}

/** Reads a YAML or JSON kubeconfig; the YAML parser loads only here, so in-cluster agents never pay for it. */
export async function loadKubeconfigAccess(
  kubeconfigPath: string,
): Promise<KubeAccess> {
  const { parse } = await import("yaml");
  const parsed = parse(readFileSync(kubeconfigPath, "utf8")) as unknown;
  if (typeof parsed !== "object" || parsed === null)
    throw new Error(`kubeconfig ${kubeconfigPath}: not a YAML mapping`);
  return kubeconfigAccess(parsed, kubeconfigPath);
}
