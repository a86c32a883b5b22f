/**
 * An https webhook under the guard: the TCP connection goes to the address the guard checked, and TLS on top of
 * it still speaks to, and verifies, the subscribed name. A real TLS server on 127.0.0.1 with a certificate for
 * `hooks.test` made by openssl at test time; the name is answered by an injected resolver with a public address
 * and the injected connector dials 127.0.0.1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { jobAccepted } from "../../core-service/src/domain/events.ts";
import { postWebhook, type WebhookAttempt } from "../../core-service/src/server/webhook-delivery.ts";
import { aQueueMessage } from "../worker/worker-harness.ts";

const PUBLIC_ADDRESS = "93.184.215.14";

let workDir: string;
let certificate: string;
let server: Server;
let port: number;
const seen: { host: string | undefined; servername: string | false | null }[] = [];
const dialled: string[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "avmon-webhook-tls-"));
  const keyPath = join(workDir, "key.pem");
  const certPath = join(workDir, "cert.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hooks.test"],
      ...["-addext", "subjectAltName=DNS:hooks.test", "-keyout", keyPath, "-out", certPath],
    ],
    { stdio: "ignore" },
  );
  certificate = readFileSync(certPath, "utf8");
  server = createServer({ key: readFileSync(keyPath), cert: certificate }, (req, res) => {
    seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername });
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
  dialled.length = 0;
});

const attempt: WebhookAttempt = {
  guard: { resolve: async () => [PUBLIC_ADDRESS] },
  connect: ({ host, port: targetPort }) => {
    dialled.push(host);
    return connect({ host: "127.0.0.1", port: targetPort });
  },
  ca: undefined,
  timeoutMs: 10_000,
  signal: new AbortController().signal,
};

const anEvent = () => {
  const message = aQueueMessage();
  return jobAccepted(message.jobId, message);
};

describe("https webhooks under the guard", () => {
  it("dials the checked address and verifies the certificate against the subscribed name", async () => {
    const outcome = await postWebhook(`https://hooks.test:${port}/hook`, anEvent(), {
      ...attempt,
      ca: certificate,
    });

    expect(outcome).toEqual({ ok: true });
    expect(dialled).toEqual([PUBLIC_ADDRESS]);
    expect(seen).toEqual([{ host: `hooks.test:${port}`, servername: "hooks.test" }]);
  });

  it("refuses a receiver whose certificate is for another name, sending it nothing", async () => {
    const outcome = await postWebhook(`https://other.test:${port}/hook`, anEvent(), {
      ...attempt,
      ca: certificate,
    });

    expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/other\.test/) });
    expect(dialled).toEqual([PUBLIC_ADDRESS]);
    expect(seen).toEqual([]);
  });

  it("refuses a certificate nobody vouches for", async () => {
    const outcome = await postWebhook(`https://hooks.test:${port}/hook`, anEvent(), attempt);

    expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/self-signed|certificate/i) });
    expect(seen).toEqual([]);
  });
});
