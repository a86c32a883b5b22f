/**
 * One webhook POST: what the delivery loop (or an outbox) calls for each attempt. With the SSRF guard on, the
 * URL is checked again at every attempt, since its DNS may have changed since the subscription was made (DNS
 * rebinding), and the connection goes to the address just checked (security/pinned-target.ts, as the guarded
 * proxy does for ffmpeg). A redirect is never followed, guard on or off: a 3xx could point anywhere, and a
 * webhook client that re-checked each hop would still be sending events to a URL nobody subscribed. A receiver
 * that moved is subscribed again at its new URL; until then its 3xx is a failure that retrying cannot mend.
 *
 * node:http rather than fetch: fetch cannot be told which address to dial.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { AvmonError } from "../domain/errors.ts";
import type { AvmonEvent } from "../domain/events.ts";
import {
  type Connector,
  type PinnedTarget,
  pinTarget,
  portOf,
  tcpConnector,
} from "../security/pinned-target.ts";
import type { SsrfGuardOptions } from "../security/ssrf-guard.ts";

export const WEBHOOK_SCHEMES: readonly string[] = ["http", "https"];

export interface WebhookTargetOptions {
  /**
   * The SSRF guard (its resolver), when the stack is shared (`AVMON_ALLOW_PRIVATE_SOURCES=false`); absent,
   * any receiver is allowed, LAN and loopback included.
   */
  readonly guard?: Pick<SsrfGuardOptions, "resolve">;
  /** Dials the address chosen; tests inject one to see it. */
  readonly connect?: Connector;
  /** Certificate authorities trusted for https receivers instead of Node's bundled ones (a private CA). */
  readonly ca?: string | readonly string[];
}

export interface WebhookAttempt extends WebhookTargetOptions {
  readonly timeoutMs: number;
  /** Aborts the attempt (the subscription was removed, the stack stops). */
  readonly signal: AbortSignal;
}

export type DeliveryOutcome = { ok: true } | { ok: false; retryable: boolean; reason: string };

/** Checks a webhook URL when it is subscribed; throws the guard's AvmonError saying why it is refused. */
export async function checkWebhookUrl(url: string, options: WebhookTargetOptions): Promise<void> {
  await webhookTarget(url, options);
}

/** POSTs one event to a webhook once; never throws, says whether another attempt may succeed. */
export async function postWebhook(
  url: string,
  event: AvmonEvent,
  options: WebhookAttempt,
): Promise<DeliveryOutcome> {
  try {
    const target = await webhookTarget(url, options);
    const response = await post(target, event, options);
    response.resume();
    return outcomeOf(response);
  } catch (error) {
    if (error instanceof AvmonError) return { ok: false, retryable: error.retryable, reason: error.message };
    return { ok: false, retryable: true, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function webhookTarget(url: string, options: WebhookTargetOptions): Promise<PinnedTarget> {
  if (options.guard) {
    return pinTarget(url, { ...options.guard, allowedSchemes: WEBHOOK_SCHEMES, subject: "webhook URL" });
  }
  const parsed = new URL(url);
  return { url: parsed, address: bareHost(parsed), port: portOf(parsed) };
}

function post(target: PinnedTarget, event: AvmonEvent, options: WebhookAttempt): Promise<IncomingMessage> {
  const body = JSON.stringify(event);
  const { url } = target;
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: "POST",
        host: bareHost(url),
        port: target.port,
        path: `${url.pathname}${url.search}`,
        headers: {
          host: url.host,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-avmon-event-id": event.id,
        },
        signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]),
        // No agent: one connection per attempt, to the address chosen for it.
        createConnection: () => open(target, options),
      },
      resolve,
    );
    req.once("error", reject);
    req.end(body);
  });
}

/** TCP to the chosen address; for https, TLS on top, with SNI and the certificate checked against the name. */
function open(target: PinnedTarget, options: WebhookTargetOptions): Socket {
  const socket = (options.connect ?? tcpConnector)({ host: target.address, port: target.port });
  if (target.url.protocol !== "https:") return socket;
  const name = bareHost(target.url);
  return connectTls({
    socket,
    host: name,
    ...(isIP(name) === 0 && { servername: name }),
    ...(options.ca && { ca: options.ca as string | string[] }),
  });
}

function outcomeOf(response: IncomingMessage): DeliveryOutcome {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true };
  if (status >= 300 && status < 400) {
    const location = response.headers.location ?? "(no Location)";
    return { ok: false, retryable: false, reason: `HTTP ${status}: redirect to ${location} not followed` };
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  return { ok: false, retryable, reason: `HTTP ${status}` };
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}
