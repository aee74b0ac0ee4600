// `npm start` for production, the demo and the e2e suite: Next's request handler behind a plain
// Node HTTP server, so the client address comes from the socket (Next alone keeps a client-sent
// X-Forwarded-For and drops the peer). See src/server/http/client-ip.ts.
import { createServer } from "node:http";
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
const app = next({
  dev: false,
  dir: import.meta.dirname,
  port,
  hostname: args.hostname,
});
const handle = app.getRequestHandler();
await app.prepare();

createServer((request, response) => {
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
