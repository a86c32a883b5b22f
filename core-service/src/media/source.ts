/**
 * What avmon may read, and how ffmpeg is told to read it. Only these protocols reach ffmpeg, through
 * `-protocol_whitelist`, so a playlist cannot smuggle in `concat:`, `subfile:`, `data:` or a local file.
 */
import { resolve } from "node:path";
import { InvalidSourceError } from "../domain/errors.ts";

export type SourceKind = "file" | "url";

export interface ResolvedSource {
  readonly kind: SourceKind;
  /** What the user gave, for messages and the report. */
  readonly original: string;
  /** What ffmpeg receives: `file:` + an absolute path, or the URL. */
  readonly input: string;
  /** Input options that confine ffmpeg to the allowed protocols (and bound network waits). */
  readonly inputOptions: readonly string[];
}

const URL_PROTOCOLS: Record<string, readonly string[]> = {
  "http:": ["http", "https", "tcp", "tls", "crypto"],
  "https:": ["http", "https", "tcp", "tls", "crypto"],
};

/** Protocols only a live job may use: a file job has no business reading a socket that never ends. */
const LIVE_PROTOCOLS: Record<string, readonly string[]> = {
  "rtmp:": ["rtmp", "tcp"],
  "srt:": ["srt"],
  "udp:": ["udp"],
};

/** Network reads give up after this long without data, so an unreachable URL fails instead of hanging. */
const NETWORK_TIMEOUT_MICROSECONDS = "15000000";

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

export interface SourceOptions {
  readonly allowLocalFiles: boolean;
  readonly live?: boolean;
  /**
   * A proxy (`http://127.0.0.1:PORT`) for every HTTP(S) request ffmpeg makes, playlists and segments included:
   * the guarded proxy on AWS (security/guarded-proxy.ts). HTTPS goes through it as CONNECT (`httpproxy`).
   */
  readonly httpProxy?: string;
}

/**
 * Turns a user's path or URL into ffmpeg input arguments, or refuses it. Local paths are allowed only when
 * `allowLocalFiles` (the CLI and the local stack; never on AWS).
 */
export function resolveSource(source: string, options: SourceOptions): ResolvedSource {
  const trimmed = source.trim();
  if (trimmed === "") throw new InvalidSourceError("source is empty");
  const scheme = sourceScheme(trimmed);
  if (scheme) return resolveUrl(trimmed, `${scheme}:`, options);
  if (!options.allowLocalFiles) throw new InvalidSourceError(`${source}: local files are not allowed here`);
  return {
    kind: "file",
    original: source,
    input: `file:${resolve(trimmed)}`,
    inputOptions: ["-protocol_whitelist", "file"],
  };
}

/** True when `source` names a local file rather than a URL. */
export const isLocalPath = (source: string): boolean => sourceScheme(source) === undefined;

/** The lower-case scheme of a URL ("srt"); undefined for a local path (a Windows drive letter is a path). */
export function sourceScheme(source: string): string | undefined {
  const scheme = SCHEME.exec(source.trim())?.[1]?.toLowerCase();
  return scheme && scheme.length > 1 ? scheme : undefined;
}

/** An HLS playlist, known by its path's extension. */
export function isHlsUrl(url: string): boolean {
  try {
    return /\.m3u8?$/i.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

function resolveUrl(source: string, protocol: string, options: SourceOptions): ResolvedSource {
  const protocols = options.live ? { ...URL_PROTOCOLS, ...LIVE_PROTOCOLS } : URL_PROTOCOLS;
  const allowed = protocols[protocol];
  if (!allowed && LIVE_PROTOCOLS[protocol]) {
    throw new InvalidSourceError(
      `${source}: ${protocol}// is a live protocol: only a live job ("mode": "live") may read it; files are read from local paths and http(s) URLs`,
    );
  }
  if (!allowed) {
    const known = Object.keys(protocols).join(", ");
    throw new InvalidSourceError(`${source}: protocol "${protocol}" is not allowed (allowed: ${known})`);
  }
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new InvalidSourceError(`${source}: not a valid URL`);
  }
  if (!url.hostname) throw new InvalidSourceError(`${source}: the URL has no host`);
  // Only ffmpeg's http(s) protocols honour the proxy; rtmp and srt read one URL, already checked.
  const proxy = URL_PROTOCOLS[protocol] ? options.httpProxy : undefined;
  const protocolList = proxy ? [...allowed, "httpproxy"] : allowed;
  return {
    kind: "url",
    original: source,
    input: url.href,
    inputOptions: [
      "-protocol_whitelist",
      protocolList.join(","),
      "-rw_timeout",
      NETWORK_TIMEOUT_MICROSECONDS,
      ...(proxy ? ["-http_proxy", proxy] : []),
    ],
  };
}
