import { once } from "node:events";
import { connect, type Socket } from "node:net";

type SocketTarget = {
  host: string[];
  port: number[];
  path?: string | false;
  connect_timeout?: number;
};

/**
 * postgres.js connects with a plain `net.Socket`, so Nagle's algorithm holds back each small
 * message (Bind/Execute, a COPY's CopyDone) until the server's delayed ACK: ~40 ms per statement
 * of a short transaction (issue 16: 119 -> 648 transactions/s with TCP_NODELAY). This is its
 * `socket` hook: the same TCP or Unix-socket connection, with no delay, already connected.
 */
export async function connectNoDelay(options: SocketTarget): Promise<Socket> {
  const path = options.path;
  const socket =
    typeof path === "string" && path !== ""
      ? connect({ path })
      : connect({
          host: options.host[0] ?? "localhost",
          port: options.port[0] ?? 5432,
          noDelay: true,
        });
  // postgres.js starts its own connect timer only once this resolves.
  const timeoutMs = (options.connect_timeout ?? 30) * 1000;
  const timer = setTimeout(
    () =>
      socket.destroy(
        Object.assign(new Error("connect timeout"), {
          code: "CONNECT_TIMEOUT",
        }),
      ),
    timeoutMs,
  );
  try {
    await once(socket, "connect");
  } finally {
    clearTimeout(timer);
  }
  return socket;
}
