/**
 * Just enough of an HLS playlist to say where a segment sits and how long it is (RFC 8216 §4.3): the media
 * sequence number of the first segment, each segment's EXTINF duration, and, in a multivariant playlist, the
 * URIs of the playlists it names, in the order ffmpeg numbers them when it reports "segment N of playlist P"
 * (variant streams and renditions with a URI, as they appear).
 */
export interface HlsPlaylist {
  readonly playlists: readonly string[];
  readonly mediaSequence: number;
  readonly segmentDurations: readonly number[];
}

export interface SegmentSpan {
  /** Seconds from the start of the playlist's first listed segment. */
  readonly start: number;
  readonly duration: number;
}

export function parseHlsPlaylist(text: string): HlsPlaylist {
  const playlists: string[] = [];
  const segmentDurations: number[] = [];
  let mediaSequence = 0;
  let expecting: "segment" | "playlist" | undefined;
  let pendingDuration = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const [tag, value = ""] = splitTag(line);
      if (tag === "#EXT-X-MEDIA-SEQUENCE") mediaSequence = Number.parseInt(value, 10) || 0;
      else if (tag === "#EXTINF") {
        pendingDuration = Number.parseFloat(value) || 0;
        expecting = "segment";
      } else if (tag === "#EXT-X-STREAM-INF") expecting = "playlist";
      else if (tag === "#EXT-X-MEDIA") {
        const uri = /(?:^|,)URI="([^"]*)"/.exec(value)?.[1];
        if (uri) playlists.push(uri);
      }
      continue;
    }
    if (expecting === "segment") segmentDurations.push(pendingDuration);
    else if (expecting === "playlist") playlists.push(line);
    expecting = undefined;
  }
  return { playlists, mediaSequence, segmentDurations };
}

/** Where the segment with media sequence number `sequence` sits; undefined when the playlist no longer lists it. */
export function segmentSpan(playlist: HlsPlaylist, sequence: number): SegmentSpan | undefined {
  const index = sequence - playlist.mediaSequence;
  const duration = playlist.segmentDurations[index];
  if (index < 0 || duration === undefined) return undefined;
  const start = playlist.segmentDurations.slice(0, index).reduce((sum, d) => sum + d, 0);
  return { start, duration };
}

function splitTag(line: string): [string, string?] {
  const colon = line.indexOf(":");
  return colon < 0 ? [line] : [line.slice(0, colon), line.slice(colon + 1)];
}
