import { describe, expect, it } from "vitest";
import { parseHlsPlaylist, segmentSpan } from "../../../core-service/src/media/hls-playlist.ts";
import { parseSegmentFailure } from "../../../core-service/src/media/segment-failures.ts";
import { UnwatchedSegments } from "../../../core-service/src/pipeline/unwatched-segments.ts";

const media = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:120
#EXTINF:4.000,
s120.ts
#EXTINF:3.5,
s121.ts
#EXT-X-DISCONTINUITY
#EXTINF:4,title
s122.ts
`;

describe("HLS playlists", () => {
  it("places a segment by its media sequence number on the playlist's own timeline", () => {
    const playlist = parseHlsPlaylist(media);
    expect(playlist.mediaSequence).toBe(120);
    expect(segmentSpan(playlist, 122)).toEqual({ start: 7.5, duration: 4 });
    expect(segmentSpan(playlist, 119)).toBeUndefined();
    expect(segmentSpan(playlist, 123)).toBeUndefined();
  });

  it("numbers a multivariant playlist's playlists as ffmpeg does: renditions and variants as they appear", () => {
    const master = `#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="audio/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=800000,AUDIO="aud"
low/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="low/iframes.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2400000,AUDIO="aud"
high/index.m3u8
`;
    expect(parseHlsPlaylist(master).playlists).toEqual([
      "audio/en.m3u8",
      "low/index.m3u8",
      "high/index.m3u8",
    ]);
  });

  it("reads ffmpeg's word for a skipped segment", () => {
    expect(parseSegmentFailure("[hls @ 0x55a1] Failed to open segment 3 of playlist 0")).toEqual({
      sequence: 3,
      playlist: 0,
    });
    expect(parseSegmentFailure("[hls,applehttp @ 0x3abd] Failed to open segment 12 of playlist 2")).toEqual({
      sequence: 12,
      playlist: 2,
    });
    expect(parseSegmentFailure("[hls @ 0x55a1] Opening 'http://x/s3.ts' for reading")).toBeUndefined();
  });
});

describe("unwatched segments", () => {
  it("makes one defect of consecutive failed segments, closed once media plays past them", () => {
    const tracker = new UnwatchedSegments();
    const opened = tracker.failed({ sequence: 2, playlist: 0 }, 4, { start: 4, duration: 2 });
    expect(tracker.failed({ sequence: 3, playlist: 0 }, 6, { start: 6, duration: 2 })).toEqual([]);
    expect(tracker.progress(7.9)).toEqual([]);
    const closed = tracker.progress(8);

    expect(opened).toEqual([
      { kind: "open", defect: expect.objectContaining({ type: "unwatched", start: 4 }) },
    ]);
    expect(closed).toEqual([
      {
        kind: "close",
        defect: {
          type: "unwatched",
          start: 4,
          end: 8,
          severity: "major",
          confidence: 1,
          metrics: { segments: 2, seconds: 4 },
        },
      },
    ]);
  });

  it("starts a new defect after a gap, and leaves seconds out when a segment's length is unknown", () => {
    const tracker = new UnwatchedSegments();
    tracker.failed({ sequence: 2, playlist: 0 }, 4, { start: 4, duration: 2 });
    const next = tracker.failed({ sequence: 7, playlist: 0 }, 14, undefined);

    expect(next.map((e) => e.kind)).toEqual(["close", "open"]);
    expect(tracker.finish()).toEqual([
      { kind: "close", defect: expect.objectContaining({ start: 14, end: 14, metrics: { segments: 1 } }) },
    ]);
  });
});
