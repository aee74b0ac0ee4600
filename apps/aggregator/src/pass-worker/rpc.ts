// A small request/reply channel over a worker's message port: each side calls the other's
// handlers by name and awaits the reply; events are one-way. Errors cross as their message.
import type { MessagePort, Worker } from "node:worker_threads";

type Message =
  | { kind: "call"; id: number; method: string; args: unknown }
  | { kind: "reply"; id: number; ok: true; value: unknown }
  | { kind: "reply"; id: number; ok: false; error: string }
  | { kind: "event"; name: string; payload: unknown };

type Port = Pick<MessagePort | Worker, "postMessage" | "on" | "off">;

export type Handlers = Record<string, (args: never) => Promise<unknown>>;

export type RpcChannel = {
  call<T>(method: string, args: unknown): Promise<T>;
  emit(name: string, payload: unknown): void;
  /** Rejects every call still waiting for a reply (the other side is gone). */
  failPending(error: Error): void;
  close(): void;
};

export function createRpcChannel(
  port: Port,
  handlers: Handlers,
  onEvent: (name: string, payload: unknown) => void = () => undefined,
): RpcChannel {
  let nextId = 0;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  const send = (message: Message) => port.postMessage(message);
  const listener = (message: Message) => {
    if (message.kind === "event") {
      onEvent(message.name, message.payload);
      return;
    }
    if (message.kind === "reply") {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (waiting === undefined) return;
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new Error(message.error));
      return;
    }
    const handler = handlers[message.method];
    const run =
      handler === undefined
        ? Promise.reject(new Error(`no handler for ${message.method}`))
        : handler(message.args as never);
    run.then(
      (value) => send({ kind: "reply", id: message.id, ok: true, value }),
      (error: unknown) =>
        send({
          kind: "reply",
          id: message.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  };
  port.on("message", listener);
  return {
    call: <T>(method: string, args: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, {
          resolve: resolve as (v: unknown) => void,
          reject,
        });
        send({ kind: "call", id, method, args });
      }),
    emit: (name, payload) => send({ kind: "event", name, payload }),
    failPending: (error) => {
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    },
    close: () => port.off("message", listener),
  };
}
