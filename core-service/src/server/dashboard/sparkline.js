import { svgElement } from "./format.js";

const WIDTH = 120;
const HEIGHT = 22;

/** A decorative sparkline (the value beside it is the accessible reading); scales are fixed per figure. */
export function createSparkline() {
  const svg = svgElement("svg", {
    class: "sparkline",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: "none",
    "aria-hidden": "true",
    focusable: "false",
  });
  svg.append(svgElement("polyline", { points: "" }));
  return svg;
}

/**
 * Redraws `svg` from `values` (missing values are skipped) between `min` and `max`: filled from the left until
 * `capacity` values are there, then scrolling, the newest at the right edge.
 */
export function drawSparkline(svg, values, min, max, capacity) {
  const span = max - min || 1;
  const step = WIDTH / Math.max(1, capacity - 1);
  const points = [];
  values.forEach((value, i) => {
    if (value === undefined || value === null) return;
    const clamped = Math.min(max, Math.max(min, value));
    const y = HEIGHT - 2 - ((clamped - min) / span) * (HEIGHT - 4);
    points.push(`${(i * step).toFixed(1)},${y.toFixed(1)}`);
  });
  svg.firstChild.setAttribute("points", points.join(" "));
}
