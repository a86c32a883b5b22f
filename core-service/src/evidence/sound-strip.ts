/**
 * An audio defect's evidence: a 320 × 96 SVG strip of the sound level around its onset (RMS and peak per
 * 100 ms, in dBFS; for a channel loss also the quietest channel's RMS), the onset marked. Written as text here because it is a handful of elements: a charting
 * library would bring a DOM or a canvas for what is one polyline per measure.
 */
import type { DefectType } from "../domain/defect.ts";
import { mediaTime } from "../domain/media-time.ts";
import { LEVEL_FLOOR_DB, type LevelPoint } from "./sound-levels.ts";

export const STRIP_WIDTH = 320;
export const STRIP_HEIGHT = 96;
const TOP = 16;
const BOTTOM = 82;
const GRID_DB = [-20, -40, -60] as const;

export interface SoundStrip {
  readonly type: DefectType;
  /** The audio track, when the source has several (from 1). */
  readonly track?: number;
  readonly onset: number;
  readonly from: number;
  readonly to: number;
  readonly points: readonly LevelPoint[];
}

export function renderSoundStrip(strip: SoundStrip): string {
  const span = Math.max(strip.to - strip.from, 0.1);
  const x = (t: number) => round(((t - strip.from) / span) * STRIP_WIDTH);
  const y = (db: number) => round(TOP + (Math.min(0, db) / LEVEL_FLOOR_DB) * (BOTTOM - TOP));
  const line = (measure: "rms" | "peak" | "quietest") =>
    strip.points.map((p) => `${x(p.t)},${y(p[measure])}`).join(" ");
  const name = strip.track === undefined ? strip.type : `${strip.type} on track ${strip.track}`;
  const label = `${name} at ${mediaTime(strip.onset)}: sound level from ${mediaTime(strip.from)} to ${mediaTime(strip.to)}`;
  const onsetX = x(strip.onset);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${STRIP_WIDTH}" height="${STRIP_HEIGHT}" viewBox="0 0 ${STRIP_WIDTH} ${STRIP_HEIGHT}" role="img" aria-label="${label}">`,
    `<title>${label}</title>`,
    `<rect width="${STRIP_WIDTH}" height="${STRIP_HEIGHT}" fill="#ffffff"/>`,
    ...GRID_DB.map(
      (db) =>
        `<line x1="0" x2="${STRIP_WIDTH}" y1="${y(db)}" y2="${y(db)}" stroke="#d0d4da" stroke-width="1"/>` +
        `<text x="2" y="${y(db) - 2}" font-family="sans-serif" font-size="9" fill="#5a6270">${db} dBFS</text>`,
    ),
    `<polyline points="${line("peak")}" fill="none" stroke="#9db6d8" stroke-width="1"/>`,
    `<polyline points="${line("rms")}" fill="none" stroke="#1f4e8c" stroke-width="1.5"/>`,
    // A lost channel is the quietest one: drawn only where that is the defect.
    ...(strip.type === "channel-loss"
      ? [
          `<polyline points="${line("quietest")}" fill="none" stroke="#b3261e" stroke-width="1.5" stroke-dasharray="4 2"/>`,
        ]
      : []),
    `<line x1="${onsetX}" x2="${onsetX}" y1="${TOP}" y2="${BOTTOM}" stroke="#b3261e" stroke-width="1.5" stroke-dasharray="3 2"/>`,
    `<text x="4" y="11" font-family="sans-serif" font-size="10" fill="#1b1f24">${name} at ${mediaTime(strip.onset)}</text>`,
    `<text x="2" y="${STRIP_HEIGHT - 3}" font-family="sans-serif" font-size="9" fill="#5a6270">${mediaTime(strip.from)}</text>`,
    `<text x="${STRIP_WIDTH - 2}" y="${STRIP_HEIGHT - 3}" text-anchor="end" font-family="sans-serif" font-size="9" fill="#5a6270">${mediaTime(strip.to)}</text>`,
    "</svg>",
  ].join("\n");
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
