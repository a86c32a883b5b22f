/**
 * Segments of an HLS playlist that ffmpeg could not open: refused by the guarded proxy (a private address),
 * by the protocol allow-list (a `file:` segment in a remote playlist), or missing. ffmpeg's HLS reader skips
 * them and carries on, so the analysis would complete as if nothing were amiss; each such segment is reported
 * instead (pipeline/unwatched-segments.ts), with its place and length read from the playlist itself.
 */

import { collectChild, spawnFfmpeg } from "./ffmpeg.ts";
import type { SegmentSpan } from "./hls-playlist.ts";
import { parseHlsPlaylist, segmentSpan } from "./hls-playlist.ts";
import type { ResolvedSource } from "./source.ts";

export interface SegmentFailure {
  /** The segment's media sequence number. */
  readonly sequence: number;
  /** ffmpeg's index of the playlist it belongs to (0 for a single media playlist). */
  readonly playlist: number;
}

/** Worded the same by the ffmpeg 4.1 and 5.1 HLS readers. */
const SEGMENT_FAILURE = /Failed to open segment (\d+) of playlist (\d+)/;

/** "[hls @ 0x…] Failed to open segment 3 of playlist 0" → { sequence: 3, playlist: 0 }. */
export function parseSegmentFailure(line: string): SegmentFailure | undefined {
  const match = SEGMENT_FAILURE.exec(line);
  if (!match) return undefined;
  return { sequence: Number(match[1]), playlist: Number(match[2]) };
}

/** A playlist read is a small request; one that takes longer is given up (the span is then unknown). */
const READ_TIMEOUT_SECONDS = 10;

/**
 * Finds a failed segment in its playlist. Playlists are read the way ffmpeg read them, by ffmpeg itself with
 * the source's input options (the same protocol allow-list, the same guarded proxy), so this look opens
 * nothing the analysis could not. A file's playlists are read once; a live stream's are read again each time,
 * since they move on.
 */
export class SegmentLocator {
  readonly #source: ResolvedSource;
  readonly #live: boolean;
  readonly #texts = new Map<string, Promise<string | undefined>>();

  constructor(source: ResolvedSource, options: { readonly live: boolean }) {
    this.#source = source;
    this.#live = options.live;
  }

  async span(failure: SegmentFailure, signal?: AbortSignal): Promise<SegmentSpan | undefined> {
    const top = await this.#read(this.#source.input, signal);
    if (top === undefined) return undefined;
    const parsed = parseHlsPlaylist(top);
    if (parsed.playlists.length === 0) return segmentSpan(parsed, failure.sequence);
    const uri = parsed.playlists[failure.playlist];
    const url = uri === undefined ? undefined : resolveUri(uri, this.#source.input);
    if (url === undefined) return undefined;
    const media = await this.#read(url, signal);
    return media === undefined ? undefined : segmentSpan(parseHlsPlaylist(media), failure.sequence);
  }

  #read(url: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const cached = this.#live ? undefined : this.#texts.get(url);
    if (cached) return cached;
    const reading = readPlaylist(this.#source, url, signal);
    if (!this.#live) this.#texts.set(url, reading);
    return reading;
  }
}

function resolveUri(uri: string, base: string): string | undefined {
  try {
    return new URL(uri, base).href;
  } catch {
    return undefined;
  }
}

async function readPlaylist(
  source: ResolvedSource,
  url: string,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  // The data demuxer and muxer copy the bytes as they are: no HLS parsing, no segment fetched.
  const args = [
    ...source.inputOptions,
    "-f",
    "data",
    "-i",
    url,
    "-map",
    "0",
    "-c",
    "copy",
    "-f",
    "data",
    "pipe:1",
  ];
  try {
    const outcome = await collectChild(spawnFfmpeg(["-loglevel", "error", ...args]), {
      signal,
      timeoutSeconds: READ_TIMEOUT_SECONDS,
      what: `reading playlist ${url}`,
    });
    return outcome.code === 0 ? outcome.stdout : undefined;
  } catch {
    return undefined;
  }
}
