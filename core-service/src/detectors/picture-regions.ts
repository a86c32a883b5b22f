import { z } from "zod";

/**
 * Where on a picture overlays may sit, block by block. Channel logos, bugs, clocks and tickers are keyed on
 * after the programme, in the top or bottom band of the picture: logos and clocks in its corners, tickers and
 * lower thirds across the bottom. So black may look past a small part of the picture in the corners, and freeze
 * in the top and bottom bands, never in the middle band, where a moving speaker, rolling credits or a lit
 * window in a night scene would be (credits are centred, so they never sit in corners only). What no rule can
 * guess (an overlay elsewhere, a picture-in-picture) is masked by hand.
 */

/** A rectangle in picture-relative coordinates: (0, 0) top left, (1, 1) bottom right. */
export const MaskRectangle = z
  .object({
    x: z.number().min(0).max(1),
    y: z.number().min(0).max(1),
    width: z.number().positive().max(1),
    height: z.number().positive().max(1),
  })
  .strict()
  .refine((r) => r.x + r.width <= 1 + 1e-9 && r.y + r.height <= 1 + 1e-9, {
    message: "rectangle must lie inside the picture (x + width <= 1, y + height <= 1)",
  });
export type MaskRectangle = z.infer<typeof MaskRectangle>;

/** Parts of the picture a detector ignores entirely, e.g. `[{ "x": 0.8, "y": 0, "width": 0.2, "height": 0.15 }]`. */
export const Masks = z.array(MaskRectangle).max(32).default([]);

/** Share of the picture height, at the top and at the bottom, where overlays are looked for. */
export const OVERLAY_BAND = 0.25;
/** Share of the picture width, at the left and at the right of those bands, that makes a corner. */
export const OVERLAY_CORNER = 0.3;

/** "bands": the top and bottom bands, full width (clocks, tickers); "corners": their outer ends (logos, clocks). */
export type OverlayZone = "bands" | "corners";

/** The blocks of a width × height picture split into blockSize squares: which are masked, which may hold an overlay. */
export class BlockRegions {
  readonly columns: number;
  readonly rows: number;
  /** 1 where the block's centre lies inside a mask. */
  readonly masked: Uint8Array;
  /** 1 where an unmasked block lies where an overlay may be looked past. */
  readonly overlayZone: Uint8Array;
  /** Pixels in each block (edge blocks are smaller). */
  readonly pixels: Uint32Array;
  readonly unmaskedBlocks: number;
  readonly unmaskedPixels: number;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly blockSize: number,
    masks: readonly MaskRectangle[],
    zone: OverlayZone,
  ) {
    this.columns = Math.ceil(width / blockSize);
    this.rows = Math.ceil(height / blockSize);
    const count = this.columns * this.rows;
    this.masked = new Uint8Array(count);
    this.overlayZone = new Uint8Array(count);
    this.pixels = new Uint32Array(count);
    let unmaskedBlocks = 0;
    let unmaskedPixels = 0;
    for (let by = 0; by < this.rows; by++) {
      const blockHeight = Math.min(blockSize, height - by * blockSize);
      const cy = (by * blockSize + blockHeight / 2) / height;
      for (let bx = 0; bx < this.columns; bx++) {
        const k = by * this.columns + bx;
        const blockWidth = Math.min(blockSize, width - bx * blockSize);
        const cx = (bx * blockSize + blockWidth / 2) / width;
        this.pixels[k] = blockWidth * blockHeight;
        if (masks.some((m) => cx >= m.x && cx < m.x + m.width && cy >= m.y && cy < m.y + m.height)) {
          this.masked[k] = 1;
          continue;
        }
        unmaskedBlocks++;
        unmaskedPixels += blockWidth * blockHeight;
        const inBand = cy < OVERLAY_BAND || cy > 1 - OVERLAY_BAND;
        const inCorner = cx < OVERLAY_CORNER || cx > 1 - OVERLAY_CORNER;
        if (inBand && (zone === "bands" || inCorner)) this.overlayZone[k] = 1;
      }
    }
    this.unmaskedBlocks = unmaskedBlocks;
    this.unmaskedPixels = unmaskedPixels;
  }

  get size(): number {
    return this.pixels.length;
  }

  fits(width: number, height: number): boolean {
    return width === this.width && height === this.height;
  }
}
