// `npm start` for production, the demo, the e2e suite and the dashboard image: Next's request
// handler behind a plain Node HTTP server, so the client address comes from the socket (Next alone
// keeps a client-sent X-Forwarded-For and drops the peer). See src/server/http/client-ip.ts.
// The image runs this file bundled (scripts/images/bundle.ts) inside Next's standalone output, which
// has no next.config.ts: there it starts Next with the config `next build` recorded (port 3000 and
// 0.0.0.0 by default, as the image's PORT/HOSTNAME say).
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";

import next from "next";

import { env } from "./src/env";
import {
  CLIENT_IP_HEADER,
  parseTrustedProxies,
  resolveClientIp,
} from "./src/server/http/client-ip";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", short: "p", default: "3000" },
    hostname: { type: "string", short: "H", default: "0.0.0.0" },
  },
});
const port = Number(args.port);
const trusted = parseTrustedProxies(env.KUBEWISE_TRUSTED_PROXIES);
useRecordedConfigWhenStandalone(import.meta.dirname);
const app = next({
  dev: false,
  dir: import.meta.dirname,
  port,
  hostname: args.hostname,
});
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((request, response) => {
  const forwarded = request.headers["x-forwarded-for"];
  request.headers[CLIENT_IP_HEADER] = resolveClientIp(
    request.socket.remoteAddress,
    Array.isArray(forwarded) ? forwarded.join(",") : forwarded,
    trusted,
  );
  void handle(request, response);
}).listen(port, args.hostname, () => {
  process.stdout.write(
    `kubewise web listening on http://${args.hostname}:${port}\n`,
  );
});

// In a container this process is PID 1, which ignores SIGTERM without a handler: every rollout and
// `helm uninstall` then waited the pod's whole grace period (30 s) for the SIGKILL. Stop accepting,
// let requests in flight finish (idle keep-alive sockets are closed now), then exit.
const SHUTDOWN_GRACE_MS = 10_000;
const stop = (signal: NodeJS.Signals) => {
  process.stdout.write(`kubewise web stopping (${signal})\n`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(0);
  }, SHUTDOWN_GRACE_MS).unref();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);

/**
 * Hands Next the config `next build` recorded in .next/required-server-files.json, as Next's own
 * standalone server.js does. The standalone output has no next.config.ts, so there it is the only
 * config; in the source tree it is the same config, and without it Next warns at every start that
 * "next start" does not work with "output: standalone" (this file is not `next start`).
 */
function useRecordedConfigWhenStandalone(dir: string): void {
  const recorded = path.join(dir, ".next/required-server-files.json");
  if (!existsSync(recorded)) return;
  const { config } = JSON.parse(readFileSync(recorded, "utf8")) as {
    config: unknown;
  };
  // eslint-disable-next-line no-restricted-properties -- how Next's own standalone server.js hands Next its config
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
  // the standalone output is started from anywhere; Next resolves .next from the working directory
  if (!existsSync(path.join(dir, "next.config.ts"))) process.chdir(dir);
}
