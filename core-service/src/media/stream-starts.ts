/**
 * Where each stream starts when ffprobe cannot say (the packaged ffprobe crashes on MPEG-TS, and ffmpeg's
 * input summary prints only the file's start). The probe's ffmpeg copies the first second of the first video
 * stream and of every audio stream to a framecrc listing with their own timestamps; a stream's start is its earliest packet
 * time. Without it, a TS whose AAC starts a priming frame (21 ms) before its pictures would put every picture
 * 21 ms early on the media timeline, which a flash/beep sync measurement sees.
 */
import type { MediaInfo } from "./probe.ts";

/** Input options (before `-i`) and outputs (after it) that make ffmpeg list the first packets on stdout. */
export const FIRST_PACKETS = {
  input: ["-t", "1"],
  output: ["-map", "0:v:0?", "-map", "0:a?", "-c", "copy", "-copyts", "-f", "framecrc", "pipe:1"],
} as const;

/** `#tb 0: 1/90000` */
const TIME_BASE = /^#tb (\d+): (\d+)\/(\d+)/;
/** `0,     126000,     133200,     3600,      792, 0x491e0b22` (stream, dts, pts, …) */
const PACKET = /^(\d+),\s*-?\d+,\s*(-?\d+),/;
/** `Duration: 00:00:12.02, start: 1.458667, bitrate: …` */
const FILE_START = /Duration: [^,]+, start: (-?\d+(?:\.\d+)?)/;

/** `media` with each stream's offset from the start of the file, read from the listing and ffmpeg's summary. */
export function withStreamStarts(media: MediaInfo, listing: string, summary: string): MediaInfo {
  const bases = new Map<number, number>();
  const earliest = new Map<number, number>();
  for (const line of listing.split("\n")) {
    const base = TIME_BASE.exec(line);
    if (base) bases.set(Number(base[1]), Number(base[2]) / Number(base[3]));
    const packet = PACKET.exec(line);
    const timeBase = packet ? bases.get(Number(packet[1])) : undefined;
    if (!packet || timeBase === undefined) continue;
    const stream = Number(packet[1]);
    const time = Number(packet[2]) * timeBase;
    earliest.set(stream, Math.min(earliest.get(stream) ?? Number.POSITIVE_INFINITY, time));
  }
  // The listing's streams are the video's (if any), then each audio track's, as mapped.
  const firstAudio = media.video ? 1 : 0;
  const videoStart = media.video ? earliest.get(0) : undefined;
  const audioStarts = media.audioTracks.map((_, track) => earliest.get(firstAudio + track));
  const starts = [videoStart, ...audioStarts].filter((t): t is number => t !== undefined);
  if (starts.length === 0) return media;
  const fileStart = Number(FILE_START.exec(summary)?.[1] ?? Math.min(...starts));
  const offset = (start: number | undefined) => (start === undefined ? 0 : Math.max(0, start - fileStart));
  const audioTracks = media.audioTracks.map((track, i) => ({ ...track, offset: offset(audioStarts[i]) }));
  return {
    ...media,
    video: media.video && { ...media.video, offset: offset(videoStart) },
    audio: audioTracks[0],
    audioTracks,
  };
}
