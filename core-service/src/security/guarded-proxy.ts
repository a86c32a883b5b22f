/**
 * A forward proxy on 127.0.0.1 that every HTTP(S) request of ffmpeg goes through on AWS (`-http_proxy`), so
 * the SSRF guard judges not only the job's URL but each variant playlist, segment and key URI a playlist
 * names, and each redirect. Plain HTTP arrives as `GET http://host/path` (absolute URI); HTTPS as
 * `CONNECT host:port`, tunnelled without decryption. For each one the host is resolved once, refused if any of
 * its addresses is, and otherwise the connection goes to the address that was checked: a second lookup,
 * which a rebinding DNS server could answer differently, never happens.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { SourceUnreachableError } from "../domain/errors.ts";
import { type Logger, silentLogger } from "../logging/logger.ts";
import { type Connector, type PinnedTarget, pinTarget, tcpConnector } from "./pinned-target.ts";
import { ForbiddenSourceError, type SsrfGuardOptions } from "./ssrf-guard.ts";

export interface GuardedProxyOptions {
  /** The guard's resolver (the system's by default); the refused ranges are the guard's own. */
  readonly guard?: Pick<SsrfGuardOptions, "resolve">;
  readonly connect?: Connector;
  readonly logger?: Logger;
}

type Admission =
  | ({ readonly ok: true } & PinnedTarget)
  | { readonly ok: false; readonly status: 400 | 403 | 502; readonly reason: string };

// Hop-by-hop headers belong to one connection (RFC 9110 §7.6.1); Node frames the body again itself.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway" };

export class GuardedProxy {
  private readonly connect: Connector;
  private readonly logger: Logger;
  private readonly sockets = new Set<Duplex>();
  private server: Server | undefined;
  private listening: Promise<string> | undefined;

  constructor(private readonly options: GuardedProxyOptions = {}) {
    this.connect = options.connect ?? tcpConnector;
    this.logger = options.logger ?? silentLogger;
  }

  /** The proxy's URL for `-http_proxy`; the first call starts it. */
  url(): Promise<string> {
    this.listening ??= this.listen();
    return this.listening;
  }

  /** Stops listening and cuts every open connection, client and upstream alike. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.listening = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private listen(): Promise<string> {
    const server = createServer((req, res) => void this.forward(req, res));
    server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.tunnel(req, socket, head);
    });
    server.on("connection", (socket: Socket) => this.track(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        if (address === null || typeof address === "string") return reject(new Error("proxy has no port"));
        resolve(`http://127.0.0.1:${address.port}`);
      });
    });
  }

  /** Plain HTTP: `GET http://host:port/path`, relayed to the checked address with the same Host header. */
  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requested = req.url ?? "";
    const admission = /^http:\/\//i.test(requested)
      ? await this.admit(requested, "http")
      : refusal(400, "not an absolute http:// URL (HTTPS must use CONNECT)");
    if (!admission.ok) {
      this.refused(requested, admission.reason);
      res.writeHead(admission.status, { "content-type": "text/plain" }).end(`${admission.reason}\n`);
      return;
    }
    const { url, address, port } = admission;
    const upstream = request({
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: endToEndHeaders(req.headers),
      createConnection: () => this.track(this.connect({ host: address, port })),
    });
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
      answer.pipe(res);
    });
    upstream.on("error", (error) => {
      this.logger.warn("proxy could not reach upstream", { url: requested, address, error });
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }

  /** HTTPS: `CONNECT host:port`, then bytes both ways between ffmpeg and the checked address. */
  private async tunnel(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    this.track(client);
    const requested = req.url ?? "";
    const admission = /^[^/?#@\s]+:\d+$/.test(requested)
      ? await this.admit(`https://${requested}/`, "https")
      : refusal(400, "CONNECT target is not host:port");
    if (!admission.ok) {
      this.refused(requested, admission.reason);
      client.end(`HTTP/1.1 ${admission.status} ${STATUS_TEXT[admission.status]}\r\n\r\n`);
      return;
    }
    const upstream = this.track(this.connect({ host: admission.address, port: admission.port }));
    upstream.once("connect", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    upstream.once("error", (error) => {
      this.logger.warn("proxy could not reach upstream", {
        url: requested,
        address: admission.address,
        error,
      });
      if (client.writable) client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
    });
    client.once("error", () => upstream.destroy());
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  }

  private async admit(target: string, scheme: "http" | "https"): Promise<Admission> {
    try {
      const pinned = await pinTarget(target, {
        resolve: this.options.guard?.resolve,
        allowedSchemes: [scheme],
      });
      return { ok: true, ...pinned };
    } catch (error) {
      if (error instanceof ForbiddenSourceError) return refusal(403, error.message);
      if (error instanceof SourceUnreachableError) return refusal(502, error.message);
      return refusal(502, error instanceof Error ? error.message : String(error));
    }
  }

  private refused(url: string, reason: string): void {
    this.logger.warn("proxy refused a request", { url, reason });
  }

  private track<T extends Duplex>(socket: T): T {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    return socket;
  }
}

function refusal(status: 400 | 403 | 502, reason: string): Admission {
  return { ok: false, status, reason };
}

function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}
