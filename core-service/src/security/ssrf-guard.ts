/**
 * Refuses URLs that would make avmon connect to something inside its own network (SSRF): media sources, and
 * webhook receivers. Which addresses are refused is ip-ranges.ts's answer (ipaddr.js's classification of the
 * IANA special-purpose registries), however the address is spelled (decimal, octal, hex, shortened, integer,
 * IPv4 carried in IPv6).
 *
 * One async check whose resolver is injected. It answers for the moment it runs: whoever connects later should
 * connect to an address it returned (pinned-target.ts), or check again.
 */
import { lookup } from "node:dns/promises";
import { InvalidSourceError, SourceUnreachableError } from "../domain/errors.ts";
import { type IpAddress, parseIpLiteral, refusedRange } from "./ip-ranges.ts";

export { type IpAddress, parseIpLiteral, parseIpv4, parseIpv6, refusedRange } from "./ip-ranges.ts";

// What the worker can read (core-service/src/media/source.ts); udp is left out: it would make the task listen.
export const DEFAULT_ALLOWED_SCHEMES: readonly string[] = ["http", "https", "rtmp", "srt"];

/** Resolves a host name to every address it has (A and AAAA), as text. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface SsrfGuardOptions {
  readonly resolve?: Resolver;
  readonly allowedSchemes?: readonly string[];
  /** What the URL is, for messages: "source" unless told ("webhook URL"). */
  readonly subject?: string;
}

export interface CheckedSource {
  readonly url: URL;
  /** Every address the host stands for, each in its canonical spelling: what a connection may dial. */
  readonly addresses: readonly string[];
}

/** Thrown for a URL avmon must not fetch; not retryable, since the answer will not change. */
export class ForbiddenSourceError extends InvalidSourceError {}

/**
 * Checks one URL: scheme on the allow list, and every address the host stands for outside the refused
 * ranges. Throws {@link ForbiddenSourceError} when refused, {@link SourceUnreachableError} when the name does
 * not resolve (which may change later).
 */
export async function checkSourceUrl(source: string, options: SsrfGuardOptions = {}): Promise<CheckedSource> {
  const subject = options.subject ?? "source";
  const url = parseUrl(source, subject);
  const scheme = url.protocol.replace(/:$/, "").toLowerCase();
  const allowed = options.allowedSchemes ?? DEFAULT_ALLOWED_SCHEMES;
  if (!allowed.includes(scheme)) {
    throw new ForbiddenSourceError(
      `${subject} scheme "${scheme}" is not allowed (allowed: ${allowed.join(", ")})`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "") throw new ForbiddenSourceError(`${subject} URL has no host`);
  const literal = parseIpLiteral(host);
  const addresses = literal
    ? [literal.toString()]
    : await resolveHost(host, options.resolve ?? systemResolver, subject);
  const canonical: string[] = [];
  for (const address of addresses) {
    const ip = literal ?? parseIpLiteral(address);
    const refusal = ip ? refusedRange(ip) : "an address that is not an IP";
    if (refusal) throw new ForbiddenSourceError(`${subject} host ${host} resolves to ${address}, ${refusal}`);
    canonical.push((ip as IpAddress).toString());
  }
  return { url, addresses: canonical };
}

function parseUrl(source: string, subject: string): URL {
  try {
    return new URL(source);
  } catch (cause) {
    throw new ForbiddenSourceError(`${subject} is not a valid URL: ${source}`, { cause });
  }
}

async function resolveHost(host: string, resolve: Resolver, subject: string): Promise<string[]> {
  if (looksNumeric(host)) throw new ForbiddenSourceError(`${subject} host ${host} is a malformed IP address`);
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (cause) {
    throw new SourceUnreachableError(`${subject} host ${host} does not resolve`, { cause });
  }
  if (addresses.length === 0) throw new SourceUnreachableError(`${subject} host ${host} has no addresses`);
  return addresses;
}

/** True for hosts made only of number-like dot-separated parts, which must parse as IPv4 or be refused. */
function looksNumeric(host: string): boolean {
  const parts = host.replace(/\.$/, "").split(".");
  const last = parts.at(-1) ?? "";
  return /^(0x[0-9a-f]*|\d+)$/i.test(last);
}
