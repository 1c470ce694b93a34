// A TCP proxy between a test's clients and PostgreSQL, which the test can cut and open again:
// the way to take the database away from one server instance (or one session of it) without
// stopping the cluster that every other test uses. Cut, it ends every connection through it
// and refuses new ones (accepted, then reset at once, as a dead route would); open, it forwards
// again.
import net from "node:net";

export interface TcpProxy {
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Ends every connection through it and refuses new ones until `open`. */
  cut(): void;
  open(): void;
  /**
   * The local ports of its open connections to the target: what PostgreSQL shows as
   * pg_stat_activity.client_port for the sessions made through it.
   */
  upstreamPorts(): number[];
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let isCut = false;
  const server = net.createServer((client) => {
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  const cutAll = () => {
    for (const { client, upstream } of [...pairs]) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    via(url) {
      const parsed = new URL(url);
      parsed.hostname = "127.0.0.1";
      parsed.port = String(port);
      return parsed.toString();
    },
    cut() {
      isCut = true;
      cutAll();
    },
    open() {
      isCut = false;
    },
    upstreamPorts: () =>
      [...pairs].flatMap(({ upstream }) => (upstream.localPort ? [upstream.localPort] : [])),
    async close() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
