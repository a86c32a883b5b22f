/**
 * The one schema every value read from ffprobe goes through (`-print_format json -show_format -show_streams`).
 * ffprobe prints most numbers as strings ("48000", "0.021333", "N/A") and some fields only for some codecs;
 * a wrapper library may have turned "5.1" into the number 5.1. Each field is coerced to its type here, and a
 * value that cannot be read becomes undefined instead of reaching a detector as the wrong type. Nothing else
 * reads ffprobe's output.
 */
import { z } from "zod";

/** A finite number from a number or a numeric string; undefined for "N/A", "", absent or garbage. */
const num = z.preprocess((value) => {
  if (typeof value !== "number" && typeof value !== "string") return undefined;
  const n = typeof value === "number" ? value : Number(value.trim() === "" ? Number.NaN : value);
  return Number.isFinite(n) ? n : undefined;
}, z.number().optional());

const int = z.preprocess((value) => {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined;
}, z.number().int().optional());

/** Text from text or a number ("5.1" may arrive as 5.1); undefined for anything else or "unknown". */
const text = z.preprocess((value) => {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" || trimmed === "unknown" || trimmed === "N/A" ? undefined : trimmed;
}, z.string().optional());

/** Keeps an object's known fields and drops a wrong-typed one to undefined rather than failing the probe. */
const record = <T extends z.ZodRawShape>(shape: T) =>
  z.preprocess((value) => (value && typeof value === "object" ? value : {}), z.object(shape));

const Disposition = record({ default: int, attached_pic: int });

const SideData = record({ side_data_type: text, rotation: num });

export const FfprobeStream = record({
  index: int,
  codec_type: text,
  codec_name: text,
  profile: text,
  width: int,
  height: int,
  pix_fmt: text,
  bits_per_raw_sample: int,
  color_range: text,
  field_order: text,
  sample_aspect_ratio: text,
  avg_frame_rate: text,
  r_frame_rate: text,
  time_base: text,
  start_time: num,
  duration: num,
  nb_frames: int,
  sample_rate: int,
  channels: int,
  channel_layout: text,
  disposition: Disposition.optional(),
  tags: z
    .preprocess((value) => (value && typeof value === "object" ? value : {}), z.record(z.string(), text))
    .optional(),
  side_data_list: z.preprocess((value) => (Array.isArray(value) ? value : []), z.array(SideData)).optional(),
});
export type FfprobeStream = z.infer<typeof FfprobeStream>;

export const FfprobeFormat = record({
  format_name: text,
  start_time: num,
  duration: num,
  nb_streams: int,
  size: num,
  bit_rate: num,
});

export const FfprobeOutput = record({
  format: FfprobeFormat.optional(),
  streams: z.preprocess((value) => (Array.isArray(value) ? value : []), z.array(FfprobeStream)),
});
export type FfprobeOutput = z.infer<typeof FfprobeOutput>;

/** Parses ffprobe's JSON text; undefined when it is not JSON at all (ffprobe died mid-output). */
export function parseFfprobeJson(output: string): FfprobeOutput | undefined {
  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch {
    return undefined;
  }
  return FfprobeOutput.parse(json);
}
