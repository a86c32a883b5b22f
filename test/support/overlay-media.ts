/**
 * Clips for the overlay and colour-bars suites, made by one ffmpeg command each (cached like every test clip):
 * a programme timeline of moving, frozen, black or test-signal stretches, with channel graphics keyed on top
 * the whole time, as a playout chain does after the programme. All H.264 in MP4, 640×360 at 25 fps.
 */
import { makeWithFfmpeg } from "./test-media.ts";

export type Stretch =
  | {
      readonly kind: "moving" | "frozen" | "black" | "noisy-still" | "night" | "credits";
      readonly seconds: number;
    }
  | {
      readonly kind: "bars";
      readonly pattern: "smptebars" | "smptehdbars" | "pal75bars" | "pal100bars";
      readonly seconds: number;
      readonly caption?: boolean;
    };

/** Graphics keyed over the programme. */
export type Overlay = "logo" | "clock" | "ticker";

const SIZE = "640x360";
const FPS = 25;

/** One stretch of programme as a filter chain from nothing to [label]. */
function stretchChain(stretch: Stretch, index: number): string {
  const d = stretch.seconds;
  const out = `[s${index}]`;
  const timed = `fps=${FPS},trim=duration=${d},setpts=PTS-STARTPTS,format=yuv420p`;
  switch (stretch.kind) {
    case "moving":
      return `testsrc2=size=${SIZE}:rate=${FPS},trim=start=${index * 3},setpts=PTS-STARTPTS,${timed}${out}`;
    case "frozen":
      return `testsrc2=size=${SIZE}:rate=${FPS},trim=start=${index * 3},trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/${FPS}/TB,${timed}${out}`;
    case "noisy-still":
      return `testsrc2=size=${SIZE}:rate=${FPS},trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/${FPS}/TB,noise=alls=12:allf=t,${timed}${out}`;
    case "night":
      return `testsrc2=size=${SIZE}:rate=${FPS},lutyuv=y='16+(val-16)*0.2',${timed}${out}`;
    case "black":
      return `color=c=black:size=${SIZE}:rate=${FPS},${timed}${out}`;
    case "credits":
      // Lines of text (testsrc's counters and labels) in a centred column, rolling up over black.
      return `color=c=black:size=${SIZE}:rate=${FPS}[cb${index}];testsrc=size=200x1200:rate=${FPS},format=yuv420p[ct${index}];[cb${index}][ct${index}]overlay=x=(W-w)/2:y=H-t*50:shortest=0,${timed}${out}`;
    case "bars": {
      const caption = stretch.caption
        ? `[bb${index}];testsrc=size=320x48:rate=${FPS},format=yuv420p[bc${index}];[bb${index}][bc${index}]overlay=x=(W-w)/2:y=H*0.3,`
        : ",";
      return `${stretch.pattern}=size=${SIZE}:rate=${FPS}${caption}${timed}${out}`;
    }
  }
}

/** The graphics over [programme] into [video]. */
function overlayChain(overlays: readonly Overlay[]): string {
  let chain = "[programme]";
  const parts: string[] = [];
  overlays.forEach((overlay, i) => {
    const next = i === overlays.length - 1 ? "[video]" : `[o${i}]`;
    switch (overlay) {
      case "logo":
        // A static bug of 5 % of the picture in the top-right corner: a white plate with a dark mark on it.
        parts.push(
          `${chain}drawbox=x=iw-160:y=16:w=144:h=80:color=white@1:t=fill,drawbox=x=iw-130:y=36:w=84:h=40:color=0x203060@1:t=fill${next}`,
        );
        break;
      case "clock":
        // A running clock in the bottom-left corner: testsrc's frame counter changes every frame.
        parts.push(
          `testsrc=size=96x32:rate=${FPS},format=yuv420p[clock${i}];${chain}[clock${i}]overlay=x=24:y=H-56:shortest=1${next}`,
        );
        break;
      case "ticker":
        // A ticker across the bottom, 10 % of the picture high, scrolling 4 px a frame.
        parts.push(
          `testsrc2=size=2560x36:rate=${FPS},crop=w=640:h=36:x='mod(n*4,1920)':y=0,format=yuv420p[ticker${i}];${chain}[ticker${i}]overlay=x=0:y=H-40:shortest=1${next}`,
        );
        break;
    }
    chain = next;
  });
  if (overlays.length === 0) parts.push("[programme]null[video]");
  return parts.join(";");
}

export function makeOverlayClip(
  stretches: readonly Stretch[],
  overlays: readonly Overlay[],
): Promise<string> {
  const chains = stretches.map(stretchChain);
  const labels = stretches.map((_, i) => `[s${i}]`).join("");
  const graph = [
    ...chains,
    `${labels}concat=n=${stretches.length}:v=1:a=0[programme]`,
    overlayChain(overlays),
  ].join(";");
  const args = [
    ...["-filter_complex", graph, "-map", "[video]"],
    ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "50", "-pix_fmt", "yuv420p"],
    "-f",
    "mp4",
  ];
  return makeWithFfmpeg(args, "mp4");
}
