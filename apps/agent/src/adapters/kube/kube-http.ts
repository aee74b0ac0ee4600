import type { ClientRequest } from "node:http";
import { Agent, request, type RequestOptions } from "node:https";

import type { KubeAccess } from "./kube-access";

/** A non-2xx answer, or a watch ERROR event, with the Kubernetes status code (410 = resourceVersion too old). */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export type WatchEvent = { type: string; object: unknown };

/** Port: the two reads the metadata watcher needs; fakes implement it in unit tests. */
export type KubeReader = {
  getJson: (path: string, timeoutMs: number) => Promise<unknown>;
  /** Resolves when the server ends the watch; rejects on errors; `signal` ends it early. */
  watch: (
    path: string,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ) => Promise<void>;
};

function statusMessage(body: string, statusCode: number): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not a Status object: fall through
  }
  return `HTTP ${statusCode}`;
}

/** GET that resolves with the body of a 2xx answer and rejects with a KubeApiError otherwise. */
export type KubeTextGetter = (
  path: string,
  timeoutMs: number,
) => Promise<string>;

type Opener = (
  path: string,
  options: { timeoutMs?: number; signal?: AbortSignal },
) => ClientRequest;

function createOpener(access: KubeAccess): Opener {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 4,
    ...(access.ca === undefined ? {} : { ca: access.ca }),
    ...(access.clientCert === undefined ? {} : { cert: access.clientCert }),
    ...(access.clientKey === undefined ? {} : { key: access.clientKey }),
    rejectUnauthorized: !access.insecureSkipTlsVerify,
  });
  return (path, options) => {
    const token = access.readToken();
    const init: RequestOptions = {
      agent,
      headers: {
        accept: "application/json",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.timeoutMs === undefined
        ? {}
        : { timeout: options.timeoutMs }),
    };
    return request(new URL(access.server + path), init);
  };
}

function getText(open: Opener): KubeTextGetter {
  return (path, timeoutMs) =>
    new Promise((resolve, reject) => {
      const req = open(path, { timeoutMs });
      req.on("timeout", () =>
        req.destroy(new Error(`GET ${path} exceeded ${timeoutMs} ms`)),
      );
      req.on("error", reject);
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const code = res.statusCode ?? 0;
          if (code < 200 || code >= 300)
            reject(new KubeApiError(code, statusMessage(body, code)));
          else resolve(body);
        });
      });
      req.end();
    });
}

/** node:https with keep-alive, for servers that are not the API server (the kubelet). */
export function createKubeTextGetter(access: KubeAccess): KubeTextGetter {
  return getText(createOpener(access));
}

/** node:https with keep-alive; @kubernetes/client-node would add ~70 MiB of RSS to the agent. */
export function createKubeReader(access: KubeAccess): KubeReader {
  const open = createOpener(access);
  const get = getText(open);
  return {
    getJson: async (path, timeoutMs) =>
      JSON.parse(await get(path, timeoutMs)) as unknown,

    watch: (path, onEvent, signal) =>
      new Promise((resolve, reject) => {
        let settled = false;
        const finish = (error?: Error) => {
          if (settled) return;
          settled = true;
          if (error === undefined || signal.aborted) resolve();
          else reject(error);
        };
        // The server closes the watch after timeoutSeconds; 10 idle minutes means a dead link.
        const req = open(path, { timeoutMs: 600_000, signal });
        req.on("timeout", () => req.destroy(new Error("watch idle")));
        req.on("error", finish);
        req.on("response", (res) => {
          const code = res.statusCode ?? 0;
          const ok = code >= 200 && code < 300;
          let pending = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            pending += chunk;
            let newline;
            while (ok && (newline = pending.indexOf("\n")) >= 0) {
              const line = pending.slice(0, newline);
              pending = pending.slice(newline + 1);
              if (line.trim() === "") continue;
              try {
                onEvent(JSON.parse(line) as WatchEvent);
              } catch (error) {
                finish(
                  error instanceof Error ? error : new Error(String(error)),
                );
                req.destroy();
                return;
              }
            }
          });
          res.on("error", finish);
          res.on("end", () =>
            finish(
              ok
                ? undefined
                : new KubeApiError(code, statusMessage(pending, code)),
            ),
          );
        });
        req.end();
      }),
  };
}
