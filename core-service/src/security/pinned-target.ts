/**
 * The one way avmon connects to a URL the SSRF guard has judged: the host is resolved and judged once
 * (ssrf-guard.ts), and the connection goes to the address that was judged, never to the name again; a second
 * lookup, which a rebinding DNS server could answer differently, never happens. The guarded proxy (ffmpeg's
 * requests) and webhook delivery both connect this way.
 */
import { connect as connectTcp, type Socket } from "node:net";
import { checkSourceUrl, type SsrfGuardOptions } from "./ssrf-guard.ts";

/** Opens the TCP connection to a checked address; tests inject one to see the address dialled. */
export type Connector = (target: { readonly host: string; readonly port: number }) => Socket;

export const tcpConnector: Connector = (target) => connectTcp(target);

export interface PinnedTarget {
  readonly url: URL;
  /** The address to dial, in its canonical spelling; the URL's host stays the name (Host header, TLS). */
  readonly address: string;
  readonly port: number;
}

/**
 * Checks an http(s) URL with the guard and names the address to connect to. Throws the guard's
 * ForbiddenSourceError or SourceUnreachableError.
 */
export async function pinTarget(target: string, guard: SsrfGuardOptions): Promise<PinnedTarget> {
  const checked = await checkSourceUrl(target, guard);
  // The guard returns at least one address or throws; every one of them passed.
  const address = checked.addresses[0] as string;
  return { url: checked.url, address, port: portOf(checked.url) };
}

export function portOf(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}
