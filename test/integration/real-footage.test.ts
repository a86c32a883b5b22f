/**
 * Negative controls: real footage (the clips in /work/shared/media) must raise no alarm. They also carry edge cases:
 * a negative start time (WebM), audio before video and a rotation tag (phone recording), 23.98 and 29.97 fps.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeSource } from "../../core-service/src/pipeline/analyze.ts";

// Where blockiness-real.test.ts reads it too: a path relative to the checkout breaks in worktrees and fresh clones.
const MEDIA = "/work/shared/media";

const CLIPS = [
  { file: "real-640x360-1s.mp4", video: { width: 640, height: 360 }, audioChannels: 2 },
  { file: "real-iphone-rotated-2s.mov", video: { width: 568, height: 320 }, audioChannels: 1 },
  { file: "real-bbb-vp9-opus-1s.webm", video: { width: 320, height: 176 }, audioChannels: 2 },
];

describe("real footage raises no false alarm", () => {
  for (const clip of CLIPS) {
    it(`finds no defect in ${clip.file} and reads all of it`, async () => {
      const report = await analyzeSource(join(MEDIA, clip.file), { allowLocalFiles: true });
      expect(report.defects).toEqual([]);
      expect(report.media.video).toMatchObject(clip.video);
      expect(report.media.audio?.channels).toBe(clip.audioChannels);
      const expectedFrames = Math.floor(report.media.duration * (report.media.video?.fps ?? 0));
      expect(Math.abs(report.stats.videoFrames - expectedFrames)).toBeLessThanOrEqual(2);
      expect(report.stats.audioSeconds).toBeGreaterThan(report.media.duration - 0.1);
    });
  }
});
