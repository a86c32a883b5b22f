import { svgElement } from "./format.js";

const WIDTH = 84;
const HEIGHT = 18;

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

/** Redraws `svg` from `values` (nulls are gaps) between `min` and `max`, newest at the right. */
export function drawSparkline(svg, values, min, max, capacity) {
  const span = max - min || 1;
  const step = WIDTH / Math.max(1, capacity - 1);
  const offset = capacity - values.length;
  const points = [];
  values.forEach((value, i) => {
    if (value === undefined || value === null) return;
    const clamped = Math.min(max, Math.max(min, value));
    const y = HEIGHT - 1 - ((clamped - min) / span) * (HEIGHT - 2);
    points.push(`${((offset + i) * step).toFixed(1)},${y.toFixed(1)}`);
  });
  svg.firstChild.setAttribute("points", points.join(" "));
}
