import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AvmonEvent } from "../../core-service/src/domain/events.ts";

/** A webhook endpoint on 127.0.0.1 answering `status` until told otherwise; records what it accepted. */
export async function startHookReceiver(initialStatus: number) {
  let status = initialStatus;
  let refused = 0;
  const accepted: AvmonEvent[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      if (status < 300) accepted.push(JSON.parse(body) as AvmonEvent);
      else refused++;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    accepted,
    get refused() {
      return refused;
    },
    answer(next: number) {
      status = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
