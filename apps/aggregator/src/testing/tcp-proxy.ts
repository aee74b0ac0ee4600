import { createServer, type Socket } from "node:net";

export type TcpProxy = {
  port: number;
  setTarget: (port: number) => void;
  /** While on, bytes in both directions are silently dropped; turning it off resets those connections. */
  setBlackhole: (on: boolean) => void;
  close: () => Promise<void>;
};

/** A loopback TCP proxy for fault tests (retargetable, with a blackhole switch). */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let blackhole = false;
  const pairs = new Set<{
    client: Socket;
    upstream: Socket;
    tainted: boolean;
  }>();
  const server = createServer((client) => {
    const upstream = new (client.constructor as typeof Socket)();
    const pair = { client, upstream, tainted: blackhole };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (blackhole) pair.tainted = true;
        else if (!to.destroyed) to.write(chunk);
      });
    upstream.connect(target, "127.0.0.1");
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error("proxy did not bind a TCP port");
  return {
    port: address.port,
    setTarget: (port) => {
      target = port;
    },
    setBlackhole: (on) => {
      blackhole = on;
      if (on) return;
      for (const pair of pairs) {
        if (!pair.tainted) continue;
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
