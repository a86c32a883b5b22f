/**
 * Refuses media URLs that would make avmon fetch from inside its own network (SSRF): loopback, private and
 * link-local ranges (the EC2 and ECS metadata endpoints among them), carrier-grade NAT, IPv6 unique-local and
 * link-local, and IPv4-mapped IPv6, however the address is spelled (decimal, octal, hex, shortened, integer).
 *
 * Pure parsing and classification, plus one async check whose resolver is injected. The check answers for the
 * moment it runs; whoever connects later should connect to the addresses it returned, or check again.
 */
import { lookup } from "node:dns/promises";
import { InvalidSourceError, SourceUnreachableError } from "../domain/errors.ts";

export type IpAddress =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly groups: readonly number[] };

// What the worker can read (core-service/src/media/source.ts); udp is left out: it would make the task listen.
export const DEFAULT_ALLOWED_SCHEMES: readonly string[] = ["http", "https", "rtmp", "srt"];

/** Resolves a host name to every address it has (A and AAAA), as text. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface SsrfGuardOptions {
  readonly resolve?: Resolver;
  readonly allowedSchemes?: readonly string[];
}

export interface CheckedSource {
  readonly url: URL;
  readonly addresses: readonly string[];
}

/** Thrown for a URL avmon must not fetch; not retryable, since the answer will not change. */
export class ForbiddenSourceError extends InvalidSourceError {}

/**
 * Checks one source URL: scheme on the allow list, and every address the host stands for outside the refused
 * ranges. Throws {@link ForbiddenSourceError} when refused, {@link SourceUnreachableError} when the name does
 * not resolve (which may change later).
 */
export async function checkSourceUrl(source: string, options: SsrfGuardOptions = {}): Promise<CheckedSource> {
  const url = parseUrl(source);
  const scheme = url.protocol.replace(/:$/, "").toLowerCase();
  const allowed = options.allowedSchemes ?? DEFAULT_ALLOWED_SCHEMES;
  if (!allowed.includes(scheme)) {
    throw new ForbiddenSourceError(
      `source scheme "${scheme}" is not allowed (allowed: ${allowed.join(", ")})`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "") throw new ForbiddenSourceError("source URL has no host");
  const literal = parseIpLiteral(host);
  const addresses = literal ? [host] : await resolveHost(host, options.resolve ?? systemResolver);
  for (const address of addresses) {
    const ip = literal ?? parseIpLiteral(address);
    const refusal = ip ? refusedRange(ip) : "an address that is not an IP";
    if (refusal) throw new ForbiddenSourceError(`source host ${host} resolves to ${address}, ${refusal}`);
  }
  return { url, addresses };
}

function parseUrl(source: string): URL {
  try {
    return new URL(source);
  } catch (cause) {
    throw new ForbiddenSourceError(`source is not a valid URL: ${source}`, { cause });
  }
}

async function resolveHost(host: string, resolve: Resolver): Promise<string[]> {
  if (looksNumeric(host)) throw new ForbiddenSourceError(`source host ${host} is a malformed IP address`);
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (cause) {
    throw new SourceUnreachableError(`source host ${host} does not resolve`, { cause });
  }
  if (addresses.length === 0) throw new SourceUnreachableError(`source host ${host} has no addresses`);
  return addresses;
}

/** True for hosts made only of number-like dot-separated parts, which must parse as IPv4 or be refused. */
function looksNumeric(host: string): boolean {
  const parts = host.replace(/\.$/, "").split(".");
  const last = parts.at(-1) ?? "";
  return /^(0x[0-9a-f]*|\d+)$/i.test(last);
}

/** Parses an IP literal in any spelling a URL parser or inet_aton accepts; null when it is a host name. */
export function parseIpLiteral(text: string): IpAddress | null {
  const host = text.replace(/^\[|\]$/g, "");
  if (host.includes(":")) return parseIpv6(host);
  const value = parseIpv4(host);
  return value === null ? null : { family: 4, value };
}

/**
 * inet_aton / WHATWG rules: one to four parts, each decimal, octal (leading 0) or hex (0x); the last part
 * fills the remaining bytes, so `127.1`, `0x7f000001` and `2130706433` are all 127.0.0.1.
 */
export function parseIpv4(text: string): number | null {
  const parts = text.replace(/\.$/, "").split(".");
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers = parts.map(parseIpv4Part);
  if (numbers.some((n) => n === null)) return null;
  const values = numbers as number[];
  const last = values.pop() as number;
  if (values.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - values.length)) return null;
  return values.reduce((sum, byte, i) => sum + byte * 256 ** (3 - i), 0) + last;
}

function parseIpv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return Number.parseInt(part.slice(1), 8);
  if (/^(0|[1-9]\d*)$/.test(part)) return Number(part);
  return null;
}

/** Eight 16-bit groups; accepts `::`, a trailing dotted IPv4 part and a zone id (`%eth0`). */
export function parseIpv6(text: string): IpAddress | null {
  const address = text.split("%")[0] ?? "";
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return { family: 6, groups: [...head, ...Array<number>(missing).fill(0), ...tail] };
}

function parseGroups(text: string): number[] | null {
  if (text === "") return [];
  const groups: number[] = [];
  const pieces = text.split(":");
  for (const [i, piece] of pieces.entries()) {
    if (i === pieces.length - 1 && piece.includes(".")) {
      const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(piece) ? parseIpv4(piece) : null;
      if (v4 === null) return null;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
      groups.push(Number.parseInt(piece, 16));
    } else {
      return null;
    }
  }
  return groups;
}

type Range4 = readonly [base: string, prefix: number, why: string];

const REFUSED_V4: readonly Range4[] = [
  ["0.0.0.0", 8, "'this network' (0.0.0.0/8)"],
  ["10.0.0.0", 8, "a private address (10/8)"],
  ["100.64.0.0", 10, "a carrier-grade NAT address (100.64/10)"],
  ["127.0.0.0", 8, "a loopback address"],
  ["169.254.0.0", 16, "a link-local address (instance and ECS task metadata live here)"],
  ["172.16.0.0", 12, "a private address (172.16/12)"],
  ["192.0.0.0", 24, "an IETF protocol address (192.0.0/24)"],
  ["192.168.0.0", 16, "a private address (192.168/16)"],
  ["198.18.0.0", 15, "a benchmarking address (198.18/15)"],
  ["224.0.0.0", 4, "a multicast address"],
  ["240.0.0.0", 4, "a reserved address (240/4, broadcast included)"],
];

/** Why an address is refused, or null when it is a public unicast address. */
export function refusedRange(ip: IpAddress): string | null {
  return ip.family === 4 ? refusedV4(ip.value) : refusedV6(ip.groups);
}

function refusedV4(value: number): string | null {
  for (const [base, prefix, why] of REFUSED_V4) {
    const size = 2 ** (32 - prefix);
    const start = parseIpv4(base) as number;
    if (value >= start && value < start + size) return why;
  }
  return null;
}

function refusedV6(g: readonly number[]): string | null {
  const [g0 = 0, , , , , g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = g6 * 65536 + g7;
  const upperZero = g.slice(0, 5).every((x) => x === 0);
  if (upperZero && g5 === 0xffff) return "an IPv4-mapped IPv6 address";
  if (upperZero && g5 === 0) {
    if (embedded === 0) return "the unspecified IPv6 address";
    if (embedded === 1) return "the IPv6 loopback address";
    return "an IPv4-compatible IPv6 address";
  }
  if ((g0 & 0xfe00) === 0xfc00) return "an IPv6 unique-local address (fc00::/7)";
  if ((g0 & 0xffc0) === 0xfe80) return "an IPv6 link-local address (fe80::/10)";
  if ((g0 & 0xffc0) === 0xfec0) return "an IPv6 site-local address (fec0::/10)";
  if ((g0 & 0xff00) === 0xff00) return "an IPv6 multicast address";
  // Translation prefixes carry an IPv4 address that the network will reach: judge that one.
  if (g0 === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return viaEmbedded("NAT64", embedded);
  if (g0 === 0x2002) return viaEmbedded("6to4", (g[1] ?? 0) * 65536 + (g[2] ?? 0));
  return null;
}

function viaEmbedded(kind: string, v4: number): string | null {
  const why = refusedV4(v4);
  return why ? `a ${kind} address embedding ${why}` : null;
}
