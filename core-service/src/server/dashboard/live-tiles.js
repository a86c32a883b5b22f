import { element, mediaTime, setText, shortSource } from "./format.js";
import { progressOf, showThumbnail } from "./job-list.js";
import { createSparkline, drawSparkline } from "./sparkline.js";

/** Points a sparkline shows: the server keeps the same history (LEVELS_HISTORY). */
export const SPARKLINE_POINTS = 60;

/** The figures of a tile: how to read each from a levels point, its fixed scale and how to print it. */
const FIGURES = [
  { key: "luma", label: "Picture level", min: 0, max: 1, print: (v) => `${Math.round(v * 100)} %` },
  { key: "motion", label: "Motion", min: 0, max: 0.05, print: (v) => (v < 0.0005 ? "still" : v.toFixed(3)) },
  { key: "loudness", label: "Loudness", min: -60, max: 0, print: (v) => `${v.toFixed(1)} LUFS` },
];

/**
 * A tile per running job: the latest evidence picture, its levels as sparklines, its open defects and how far
 * it has got. The tiles area keeps one row's height when empty, so the first tile takes space already there.
 */
export class LiveTiles {
  #list;
  #empty;
  #tiles = new Map();

  constructor(list, empty) {
    this.#list = list;
    this.#empty = empty;
  }

  render(runningJobs, levelsOf) {
    const wanted = new Set(runningJobs.map((job) => job.jobId));
    for (const [jobId, tile] of this.#tiles) {
      if (!wanted.has(jobId)) {
        tile.root.remove();
        this.#tiles.delete(jobId);
      }
    }
    for (const job of runningJobs) {
      let tile = this.#tiles.get(job.jobId);
      if (!tile) {
        tile = createTile(job.jobId);
        this.#tiles.set(job.jobId, tile);
        this.#list.append(tile.root);
      }
      updateTile(tile, job, levelsOf(job.jobId));
    }
    this.#empty.hidden = runningJobs.length > 0;
  }
}

function createTile(jobId) {
  const badge = element("span", { className: "badge", "data-status": "running", text: "running" });
  const title = element("span", { className: "job-source" });
  const thumb = element("span", { className: "thumb" });
  const figures = FIGURES.map((figure) => {
    const sparkline = createSparkline();
    const value = element("span", { className: "value", text: "—" });
    const row = element(
      "div",
      {},
      element("dt", { text: figure.label }),
      element("dd", {}, sparkline, value),
    );
    return { figure, row, sparkline, value };
  });
  const open = element("p", { className: "open-defects" });
  const progress = element("p", { className: "tile-progress" });
  const root = element(
    "li",
    { className: "tile", "data-job-id": jobId },
    element("h3", { className: "tile-title" }, badge, title),
    element(
      "div",
      { className: "tile-body" },
      thumb,
      element("dl", { className: "levels" }, ...figures.map((f) => f.row)),
    ),
    open,
    progress,
  );
  return { root, title, thumb, figures, open, progress, shown: undefined };
}

function updateTile(tile, job, levels) {
  setText(tile.title, shortSource(job.source));
  tile.title.title = job.source ?? "";
  const withEvidence = job.defects.filter((d) => d.evidence?.thumbnail);
  showThumbnail(tile, withEvidence.at(-1));
  const points = levels?.points ?? [];
  for (const { figure, sparkline, value } of tile.figures) {
    const values = points.map((p) => p[figure.key]);
    drawSparkline(sparkline, values, figure.min, figure.max, SPARKLINE_POINTS);
    const latest = values.at(-1);
    setText(value, latest === undefined || latest === null ? "—" : figure.print(latest));
  }
  const open = job.defects.filter((d) => d.end === undefined);
  setText(
    tile.open,
    open.length === 0
      ? "No open defects"
      : `Open: ${open.map((d) => `${d.type} since ${mediaTime(d.start)}`).join(", ")}`,
  );
  setText(tile.progress, progressOf(job, levels).text);
}
