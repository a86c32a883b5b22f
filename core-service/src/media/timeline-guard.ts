/**
 * Keeps one wild timestamp from turning a short file into hours of decoding. The file decoder times pictures by
 * a constant-rate frame count (ffmpeg's fps filter) and audio by its sample count (aresample pads gaps), so a
 * timestamp far off the stream's course (one damaged PES header: a 3 s MPEG-TS whose first picture claims to be
 * 10 h away) would be filled with 10 h of repeated pictures and silence. ffmpeg closes such jumps by itself only
 * in MPEG-TS/PS, and only when the decoding timestamp jumps, not the presentation timestamp.
 *
 * The guard runs on each stream before that timing: a jump of more than MAX_TIMESTAMP_JUMP_SECONDS between two
 * frames, either way, is closed (the frame follows the previous one), and a first frame that far from where the
 * probe placed the stream is put there. A single wild frame is thus put back in sequence: its jump out and its
 * jump back are both closed. A smaller jump out is kept (filled, then the frames behind it dropped until the
 * stream catches up), so its cost is bounded by the threshold; so is a real gap or a held picture of a variable
 * frame rate stream, up to the threshold (a longer one is shortened to one frame).
 *
 * It is a setpts/asetpts expression because both ffmpeg versions avimon supports have one (ffmpeg 4.1 has no
 * setts bitstream filter) and its variables persist from frame to frame (st/ld), which is all the state it needs.
 */

/** Longer than any gap or held picture expected in real media; what a wild timestamp may cost at most. */
export const MAX_TIMESTAMP_JUMP_SECONDS = 60;

/**
 * The filter step (with its trailing comma) for a video stream whose first frame the probe placed at `start`
 * seconds on ffmpeg's output timeline, at about `fps` frames a second.
 */
export function videoTimelineGuard(start: number, fps: number): string {
  return `setpts='${guardExpression(start, String(1 / Math.max(1, fps)))}',`;
}

/** The same for an audio stream: a frame lasts its sample count over the sample rate. */
export function audioTimelineGuard(start: number): string {
  return `asetpts='${guardExpression(start, "NB_SAMPLES/SR")}',`;
}

/**
 * Variables: 0 = seconds added to the input time, 1 = the last frame's output time, 2 = 1 once the first frame
 * is placed. T is the frame's time in seconds (NAN without a timestamp: passed on as it is), D its duration.
 * The result stays in the stream's time base, PTS plus the rounded offset, so an unguarded frame keeps its exact
 * timestamp (a computed T/TB can truncate to the tick before).
 */
function guardExpression(start: number, frameSeconds: string): string {
  const jump = MAX_TIMESTAMP_JUMP_SECONDS;
  const d = `(${frameSeconds})`;
  const place = `if(eq(ld(2),0),st(2,1);st(0,if(gt(abs(T-${start}),${jump}),${start}-T,0));st(1,T+ld(0)-${d}))`;
  const close = `if(gt(abs(T+ld(0)-ld(1)-${d}),${jump}),st(0,ld(1)+${d}-T))`;
  const expression = `if(isnan(T),PTS,${place};${close};st(1,T+ld(0));PTS+round(ld(0)/TB))`;
  // Commas and semicolons escaped for the filter graph, as in the other expressions of the graph.
  return expression.replace(/[,;]/g, (c) => `\\${c}`);
}
