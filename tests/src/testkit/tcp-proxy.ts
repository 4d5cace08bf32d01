import type { AddressInfo } from "node:net";
import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Where connections go; may be set after start, before the first connection. */
  target: { host: string; port: number } | undefined;
  /** Stops forwarding in both directions, for open and new connections alike, while they stay open. */
  freeze(): void;
  thaw(): void;
  /** Connections accepted so far, and the times (ms, performance.now()) at which the caller's side closed. */
  readonly accepted: number;
  readonly closedAt: readonly number[];
  close(): Promise<void>;
}

/**
 * A TCP proxy a test holds between two of its processes, to make one side look hung (a database
 * that accepts but never answers) or to see the other side hang up (a cancelled call).
 */
export async function startTcpProxy(target?: { host: string; port: number }): Promise<TcpProxy> {
  let frozen = false;
  let accepted = 0;
  const closedAt: number[] = [];
  const sockets = new Set<Socket>();
  const proxy: TcpProxy = {
    port: 0,
    target,
    freeze() {
      frozen = true;
      for (const socket of sockets) {
        socket.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) {
        socket.resume();
      }
    },
    get accepted() {
      return accepted;
    },
    closedAt,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    accepted++;
    const to = proxy.target;
    if (!to) {
      client.destroy();
      return;
    }
    const upstream = connect(to.port, to.host);
    for (const [from, into] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on("data", (chunk) => into.write(chunk));
      from.on("error", () => {});
      from.on("close", () => {
        sockets.delete(from);
        into.destroy();
      });
      if (frozen) {
        from.pause();
      }
    }
    client.on("close", () => closedAt.push(performance.now()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
