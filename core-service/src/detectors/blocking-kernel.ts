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
  /** 16-pixel macroblock edge segments whose step is far above the steps beside it. */
  readonly broken: number;
  readonly segments: number;
}

export interface PlaneMeasure {
  readonly profiles: KernelStepProfiles;
  readonly segments: SegmentCounts;
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
  broken_edges(width: number, height: number): [number, number];
  stretch_to_full_range(length: number): void;
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
  return { acc, columns, rows, end: rows + height * 4 };
}

/**
 * Copies the plane to offset 0 (stretching a limited-range plane to full range), growing the memory first when
 * the frame is larger than any before.
 */
function loadPlane(plane: PlaneBytes): KernelExports {
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
  if (plane.range === "limited") exports.stretch_to_full_range(roundUp16(width * height));
  return exports;
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

function segmentsOfLoaded(exports: KernelExports, plane: PlaneBytes): SegmentCounts {
  const [broken, segments] = exports.broken_edges(plane.width, plane.height);
  return { broken, segments };
}

/** Step profiles of a plane: the sampled step sizes up to `edgeCeiling`, summed per column and per row. */
export function stepProfiles(plane: PlaneBytes, sampleStep: number, edgeCeiling: number): KernelStepProfiles {
  return profilesOfLoaded(loadPlane(plane), plane, sampleStep, edgeCeiling);
}

/** Broken and total 16-pixel macroblock edge segments, the grid starting at the top-left pixel. */
export function brokenSegments(plane: PlaneBytes): SegmentCounts {
  return segmentsOfLoaded(loadPlane(plane), plane);
}

/** Both of the above with one copy of the plane: what the block measure needs per frame. */
export function measurePlane(plane: PlaneBytes, sampleStep: number, edgeCeiling: number): PlaneMeasure {
  const exports = loadPlane(plane);
  return {
    profiles: profilesOfLoaded(exports, plane, sampleStep, edgeCeiling),
    segments: segmentsOfLoaded(exports, plane),
  };
}
