/**
 * The block measure's pixel loops, run by the WebAssembly SIMD kernel in blocking-kernel.wat (assembled into
 * blocking-kernel-wasm.ts by `npm run wasm`). Results are exact integers, the same as the plain-JS reference.
 *
 * The module is compiled and instantiated once, synchronously, on first use. Every call copies the plane into
 * the kernel's memory (the decoder hands over a new buffer per frame, so there is nothing to keep) and returns
 * copies of the outputs: the next call overwrites the kernel's buffers, and growing the memory for a bigger
 * frame detaches them, so views would change under a caller that kept them. The copies are a few KB a frame.
 */
import { BLOCKING_KERNEL_WASM } from "./blocking-kernel-wasm.ts";

export interface PlaneBytes {
  readonly width: number;
  readonly height: number;
  /** Row-major 8-bit luma, at least width × height bytes. */
  readonly data: Uint8Array;
  /** "limited": stretched to full range as it is copied in (see stretch_to_full_range); absent = "full". */
  readonly range?: "limited" | "full";
}

export interface KernelStepProfiles {
  /** Sum of step weights between column x and x+1 (width − 1 entries), over the rows with y % step == 0. */
  readonly columns: Uint32Array;
  /** Sum of step weights between row y and y+1 (height − 1 entries), over the columns with x % step == 0. */
  readonly rows: Uint32Array;
}

export interface SegmentCounts {
  /** Edge segments whose step is far above the steps beside it. */
  readonly broken: number;
  readonly segments: number;
}

export interface TerraceCounts {
  /** Neighbouring blocks whose flat cores sit at clearly different levels (see terraces in the .wat)… */
  readonly terraces: number;
  readonly pairs: number;
  /** …of them, those side by side (the rest are one above the other). */
  readonly sideBySide: { readonly terraces: number; readonly pairs: number };
}

/** A count on the coding grid, and the same count on a grid shifted by half its period, where no codec puts an edge. */
export interface OnAndOffGrid<T> {
  readonly onGrid: T;
  readonly offGrid: T;
}

/** What a picture's codes say of it as a whole, before any stretch to full range. */
export interface PlaneSurface {
  /** Share of the pixels within 4 codes of mid-grey (124..132): what a lost reference leaves. */
  readonly greyShare: number;
  /** Standard deviation of luma, in codes. */
  readonly spread: number;
}

export interface PlaneMeasure {
  readonly surface: PlaneSurface;
  readonly profiles: KernelStepProfiles;
  /** 16-pixel segments of 16-pixel macroblock edges. */
  readonly segments: SegmentCounts;
  /** The same on lines 4 pixels past each macroblock edge (off the 8-pixel grid), where no codec puts an edge. */
  readonly segmentsOffGrid: SegmentCounts;
  /** 8-pixel segments of the 8-pixel block edges, and of the lines halfway between them. */
  readonly blockEdges: OnAndOffGrid<SegmentCounts>;
  /** Terraces of 8x8 blocks (H.264, MPEG-2 and VP9 transforms) and of 16x16 blocks (macroblocks, HEVC units). */
  readonly terraces8: OnAndOffGrid<TerraceCounts>;
  readonly terraces16: OnAndOffGrid<TerraceCounts>;
}

/**
 * The project's TS libs (ES2023, no DOM) do not declare the WebAssembly global that Node provides, so the few
 * members used here are typed locally rather than pulling in the DOM lib.
 */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: object };
}

interface KernelMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface KernelExports {
  readonly memory: KernelMemory;
  step_profiles(
    width: number,
    height: number,
    step: number,
    ceiling: number,
    acc: number,
    columns: number,
    rows: number,
  ): void;
  broken_edges(
    width: number,
    height: number,
    period: number,
    first: number,
    segment: number,
  ): [number, number];
  terraces(
    width: number,
    height: number,
    block: number,
    offset: number,
    scratch: number,
  ): [number, number, number, number];
  stretch_to_full_range(length: number): void;
  surface(width: number, height: number, step: number): [number, number, number, number];
}

const PAGE_BYTES = 65_536;
let instance: KernelExports | undefined;

function kernel(): KernelExports {
  if (!instance) {
    const wasm = (globalThis as unknown as { readonly WebAssembly: WebAssemblyApi }).WebAssembly;
    const module = new wasm.Module(Buffer.from(BLOCKING_KERNEL_WASM, "base64"));
    instance = new wasm.Instance(module).exports as KernelExports;
  }
  return instance;
}

const roundUp16 = (n: number) => Math.ceil(n / 16) * 16;

/** Byte offsets of the kernel's buffers after the plane (see the memory map in blocking-kernel.wat). */
function layout(width: number, height: number) {
  const lanes = roundUp16(width);
  const acc = roundUp16(width * height);
  const columns = acc + lanes * 2;
  const rows = columns + lanes * 4;
  // terraces' scratch: column minima, maxima (a byte each), sums (u16), then a (sum, range) i32 pair a block.
  const scratch = roundUp16(rows + height * 4);
  return { acc, columns, rows, scratch, end: scratch + lanes * 5 };
}

/**
 * Copies the plane to offset 0 (stretching a limited-range plane to full range), growing the memory first when
 * the frame is larger than any before.
 */
function loadPlane(plane: PlaneBytes): KernelExports {
  const exports = copyPlane(plane);
  stretchLoaded(exports, plane);
  return exports;
}

function stretchLoaded(exports: KernelExports, plane: PlaneBytes): void {
  if (plane.range === "limited") exports.stretch_to_full_range(roundUp16(plane.width * plane.height));
}

/** Copies the plane to offset 0 as it is, growing the memory first when the frame is larger than any before. */
function copyPlane(plane: PlaneBytes): KernelExports {
  const { width, height, data } = plane;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`plane size must be whole pixels, got ${width}x${height}`);
  }
  if (data.length < width * height) {
    throw new RangeError(`plane of ${width}x${height} needs ${width * height} bytes, got ${data.length}`);
  }
  const exports = kernel();
  const shortfall = layout(width, height).end - exports.memory.buffer.byteLength;
  if (shortfall > 0) exports.memory.grow(Math.ceil(shortfall / PAGE_BYTES));
  new Uint8Array(exports.memory.buffer, 0, width * height).set(data.subarray(0, width * height));
  return exports;
}

/**
 * Every how many rows the surface reads (every pixel of those): a collapse to grey covers much of the picture
 * and the spread is a statistic of all of it, so a third shows both. An odd step does not fall on the same row
 * of every 8×8 block, where coding leaves its edges. Mid-grey is 128 in 8-bit luma whatever the range (and 512
 * of 1023, which the 8-bit planes carry as 128).
 */
const SURFACE_ROW_STEP = 3;

function surfaceOfLoaded(exports: KernelExports, plane: PlaneBytes): PlaneSurface {
  const [grey, count, sum, squares] = exports.surface(plane.width, plane.height, SURFACE_ROW_STEP);
  if (count === 0) return { greyShare: 0, spread: 0 };
  const mean = sum / count;
  return { greyShare: grey / count, spread: Math.sqrt(Math.max(0, squares / count - mean * mean)) };
}

/** The picture's surface alone (its codes as they are, whatever the range). */
export function planeSurface(plane: PlaneBytes): PlaneSurface {
  return surfaceOfLoaded(copyPlane(plane), plane);
}

function profilesOfLoaded(
  exports: KernelExports,
  plane: PlaneBytes,
  sampleStep: number,
  edgeCeiling: number,
): KernelStepProfiles {
  const { width, height } = plane;
  const step = Math.max(1, Math.floor(sampleStep));
  // Weights are |step| ≤ ceiling for whole steps of 0..255, so a fractional or out-of-range ceiling acts as
  // its floor clamped to that range.
  const ceiling = Math.min(255, Math.max(0, Math.floor(edgeCeiling)));
  const at = layout(width, height);
  exports.step_profiles(width, height, step, ceiling, at.acc, at.columns, at.rows);
  const buffer = exports.memory.buffer;
  return {
    columns: new Uint32Array(buffer, at.columns, Math.max(0, width - 1)).slice(),
    rows: new Uint32Array(buffer, at.rows, Math.max(0, height - 1)).slice(),
  };
}

/** Edges every `period` pixels from `first`, cut into segments of `segment` (8 or 16) pixels. */
function segmentsOfLoaded(
  exports: KernelExports,
  plane: PlaneBytes,
  period = MACROBLOCK,
  first = MACROBLOCK,
  segment = MACROBLOCK,
): SegmentCounts {
  const [broken, segments] = exports.broken_edges(plane.width, plane.height, period, first, segment);
  return { broken, segments };
}

function terracesOfLoaded(
  exports: KernelExports,
  plane: PlaneBytes,
  block: 8 | 16,
): OnAndOffGrid<TerraceCounts> {
  const { scratch } = layout(plane.width, plane.height);
  const count = (offset: number) => {
    return terraceCounts(exports.terraces(plane.width, plane.height, block, offset, scratch));
  };
  return { onGrid: count(0), offGrid: count(block / 2) };
}

function terraceCounts([
  sideTerraces,
  sidePairs,
  stackedTerraces,
  stackedPairs,
]: readonly number[]): TerraceCounts {
  const side = { terraces: sideTerraces as number, pairs: sidePairs as number };
  return {
    terraces: side.terraces + (stackedTerraces as number),
    pairs: side.pairs + (stackedPairs as number),
    sideBySide: side,
  };
}

const MACROBLOCK = 16;
const BLOCK = 8;

/** Step profiles of a plane: the sampled step sizes up to `edgeCeiling`, summed per column and per row. */
export function stepProfiles(plane: PlaneBytes, sampleStep: number, edgeCeiling: number): KernelStepProfiles {
  return profilesOfLoaded(loadPlane(plane), plane, sampleStep, edgeCeiling);
}

/** Broken and total 16-pixel macroblock edge segments, the grid starting at the top-left pixel. */
export function brokenSegments(plane: PlaneBytes): SegmentCounts {
  return segmentsOfLoaded(loadPlane(plane), plane);
}

/** Broken 8-pixel segments of the 8-pixel block edges, and of the lines halfway between them. */
export function blockEdgeSegments(plane: PlaneBytes): OnAndOffGrid<SegmentCounts> {
  const exports = loadPlane(plane);
  return blockEdgesOfLoaded(exports, plane);
}

function blockEdgesOfLoaded(exports: KernelExports, plane: PlaneBytes): OnAndOffGrid<SegmentCounts> {
  return {
    onGrid: segmentsOfLoaded(exports, plane, BLOCK, BLOCK, BLOCK),
    offGrid: segmentsOfLoaded(exports, plane, BLOCK, BLOCK / 2, BLOCK),
  };
}

/** Terraces of `block`-pixel blocks on the grid from the top-left pixel and on the grid shifted by half a block. */
export function blockTerraces(plane: PlaneBytes, block: 8 | 16): OnAndOffGrid<TerraceCounts> {
  return terracesOfLoaded(loadPlane(plane), plane, block);
}

export interface ShiftedGrids {
  /** Broken 8-pixel segments of the lines 1..7 pixels past each 8-pixel block edge. */
  readonly blockEdges: readonly SegmentCounts[];
  /**
   * Terraces on the grids shifted so far that each block's core straddles an edge of the coding grid: 8x8
   * blocks shifted by 3, 4, 5 pixels, 16x16 blocks by 6, 8, 10 (a smaller shift leaves the cores inside the
   * same coded blocks, which shows their terraces again).
   */
  readonly terraces8: readonly TerraceCounts[];
  readonly terraces16: readonly TerraceCounts[];
}

/**
 * The counts of measurePlane on every other shift of the grid: a pattern with the grid's period (a fence, tiles)
 * lifts some shift as much as the coding grid, coding artefacts lift the coding grid alone. Eight times the
 * work of the half-period shift, so it is asked for only when that one has found something.
 */
export function shiftedGrids(plane: PlaneBytes): ShiftedGrids {
  const exports = loadPlane(plane);
  const { scratch } = layout(plane.width, plane.height);
  const terraces = (block: number, offset: number) => {
    return terraceCounts(exports.terraces(plane.width, plane.height, block, offset, scratch));
  };
  const shifts = (count: number, by: number) => Array.from({ length: count }, (_, i) => (i + 1) * by);
  return {
    // An edge reads two pixels before it, so the first line 1 pixel past the grid is the one at 9.
    blockEdges: shifts(BLOCK - 1, 1).map((shift) =>
      segmentsOfLoaded(exports, plane, BLOCK, shift < 2 ? shift + BLOCK : shift, BLOCK),
    ),
    terraces8: [3, 4, 5].map((shift) => terraces(8, shift)),
    terraces16: [6, 8, 10].map((shift) => terraces(16, shift)),
  };
}

/** All of the above with one copy of the plane: what the block measure needs per frame. */
export function measurePlane(plane: PlaneBytes, sampleStep: number, edgeCeiling: number): PlaneMeasure {
  const exports = copyPlane(plane);
  const surface = surfaceOfLoaded(exports, plane);
  stretchLoaded(exports, plane);
  return {
    surface,
    profiles: profilesOfLoaded(exports, plane, sampleStep, edgeCeiling),
    segments: segmentsOfLoaded(exports, plane),
    segmentsOffGrid: segmentsOfLoaded(exports, plane, MACROBLOCK, MACROBLOCK + BLOCK / 2),
    blockEdges: blockEdgesOfLoaded(exports, plane),
    terraces8: terracesOfLoaded(exports, plane, 8),
    terraces16: terracesOfLoaded(exports, plane, 16),
  };
}
