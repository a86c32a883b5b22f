/**
 * Colour bars on air (a `test-signal` defect): SMPTE or EBU bars, full-field or with an identification
 * caption, where programme should be. The picture half of `test-signal`; a line-up tone is the sound half.
 * Its options share `minDuration` and `criticalDuration` with the tone's and prefix the rest with `bars`, so
 * both halves read one `thresholds["test-signal"]` object.
 */
import { z } from "zod";
import type { Defect } from "../domain/defect.ts";
import { ColourBarsFinder } from "./colour-bars.ts";
import { IntervalTracker, toDetectorEvents } from "./interval-tracker.ts";
import type { AnalysisFrameDetector, DetectorEvent, LumaFrame } from "./types.ts";

export const ColourBarsSignalOptions = z
  .object({
    /** Seconds of bars before they are reported; 5 s, so a bars flash inside a promo is not. */
    minDuration: z.number().positive().default(5),
    /** A test signal lasting this long is critical rather than major. */
    criticalDuration: z.number().positive().default(60),
    /** Bars the falling luma staircase must have (SMPTE bars have 7, EBU bars 8). */
    barsMinCount: z.number().int().min(3).max(16).default(7),
    /** Share of the upper picture's strips that must show the bars; the others may carry a caption. */
    barsMinStripShare: z.number().min(0.1).max(1).default(0.5),
    /** Pictures of something else in a row that end bars (a glitch or a one-frame caption change does not). */
    barsEndAfterFrames: z.number().int().min(1).default(3),
  })
  .strict();
export type ColourBarsSignalOptions = z.infer<typeof ColourBarsSignalOptions>;

/** The finder these options describe (freeze shares the test-signal detector's: still-pictures.ts). */
export function barsFinderFor(options: ColourBarsSignalOptions): ColourBarsFinder {
  return new ColourBarsFinder({ minBars: options.barsMinCount, minStripShare: options.barsMinStripShare });
}

export function createColourBarsDetector(
  options: z.input<typeof ColourBarsSignalOptions> = {},
  sharedFinder?: ColourBarsFinder,
): AnalysisFrameDetector {
  const o = ColourBarsSignalOptions.parse(options);
  const finder = sharedFinder ?? barsFinderFor(o);
  const tracker = new IntervalTracker({ minDuration: o.minDuration, endAfter: o.barsEndAfterFrames });
  let frames = 0;
  let stripShareSum = 0;
  let bars = 0;

  const describe = (start: number, end?: number): Defect => {
    const duration = (end ?? start + o.minDuration) - start;
    const stripShare = frames === 0 ? 0 : stripShareSum / frames;
    return {
      type: "test-signal",
      start,
      ...(end === undefined ? {} : { end }),
      severity: duration >= o.criticalDuration ? "critical" : "major",
      // Full-field bars match in every strip; bars under a caption only in some.
      confidence: Math.min(1, 0.7 + 0.3 * stripShare),
      metrics: { signal: "colour-bars", bars, stripShare },
    };
  };

  return {
    type: "test-signal",
    input: "analysis-video",
    push(frame: LumaFrame): DetectorEvent[] {
      const match = finder.find(frame);
      if (match.isBars) {
        if (tracker.phase === "idle") {
          frames = 0;
          stripShareSum = 0;
          bars = 0;
        }
        frames++;
        stripShareSum += match.stripShare;
        bars = Math.max(bars, match.bars);
      }
      return toDetectorEvents(tracker.update(match.isBars, frame.time), describe);
    },
    flush(endTime: number): DetectorEvent[] {
      return toDetectorEvents(tracker.finish(endTime), describe);
    },
  };
}
