/** Servers on 127.0.0.1 that misbehave as a source can: they accept and then say nothing, or stop mid-stream. */
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";

export interface TestServer {
  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Accepts every connection and never sends a byte (nor closes), like a source that hangs. */
export function startSilentServer(): Promise<TestServer> {
  return listen(createServer((socket) => socket.on("error", () => {})));
}

/** Accepts every connection and closes it at once, so a reader fails fast and retries. */
export function startSlammingServer(): Promise<TestServer> {
  return listen(createServer((socket) => socket.destroy()));
}

/** Answers 200 with the first bytes of a stream, then sends nothing more and never ends the response. */
export function startStallingServer(head: Buffer): Promise<TestServer> {
  return listen(
    createHttpServer((_req, res) => {
      res.writeHead(200, { "content-type": "video/mp2t" });
      res.write(head);
    }),
  );
}

/** Listens on a free loopback port, counting connections and cutting every one on close. */
async function listen(server: Server): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
