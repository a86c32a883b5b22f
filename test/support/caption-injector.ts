/**
 * Puts CEA-608 closed captions into a video elementary stream the way broadcast encoders carry them (ATSC A/53
 * Part 4): an ITU-T T.35 registered user data message (country 0xB5, provider 0x0031, "GA94", user_data_type_code
 * 3, cc_data()) in an SEI NAL unit of each H.264 (type 6) or HEVC (prefix SEI, type 39) picture, or in picture
 * user data (start code 0x000001B2) of an MPEG-2 picture. ffmpeg's encoders cannot author captions from nothing
 * (libx264 and mpeg2video only pass on captions their input frames already carry), so tests make them here.
 *
 * The stream must be in presentation order (encoded without B-frames), so the n-th picture found is frame n.
 * Pictures are found by their first slice: for H.264 and HEVC the first VCL NAL unit whose first_mb_in_slice /
 * first_slice_segment_in_pic_flag says it starts a picture (its first payload bit is 1), for MPEG-2 the first
 * slice start code after a picture start code. The caption message goes just before it, which is after any
 * access unit delimiter, parameter sets and other SEI of the picture, as the standards order them.
 */

export type CaptionCodec = "h264" | "hevc" | "mpeg2video";

/** cc_data() construct types: 608 field 1, 608 field 2, 708 DTVCC packet data (invalid = padding). */
const CC_FIELD_1 = 0b00;
const CC_FIELD_2 = 0b01;
const CC_DTVCC_DATA = 0b10;

/** Text the captions spell, two characters a frame, in roll-up lines (so ffmpeg's 608 decoder shows it). */
const CAPTION_TEXT = "CAPTIONS ON AIR ";
/** 608 control codes (channel 1): roll-up with two rows, carriage return. */
const ROLL_UP_2 = [0x14, 0x25];
const CARRIAGE_RETURN = [0x14, 0x2d];

export interface CaptionPlan {
  readonly codec: CaptionCodec;
  /** Whether picture `frame` (from 0, in presentation order) carries caption data. */
  readonly captioned: (frame: number) => boolean;
  /** 708 padding constructs after the two 608 ones (real encoders fill a fixed cc_count); default 1. */
  readonly padding?: number;
}

/** The stream with caption data in every picture the plan says; also how many pictures it found. */
export function injectCaptions(stream: Uint8Array, plan: CaptionPlan): { stream: Buffer; pictures: number } {
  const units = startCodes(stream);
  const pieces: Uint8Array[] = [];
  let copiedUpTo = 0;
  let picture = 0;
  let inMpeg2Picture = false;
  for (const unit of units) {
    const startsPicture = isPictureStart(stream, unit, plan.codec, inMpeg2Picture);
    if (plan.codec === "mpeg2video") {
      const code = stream[unit.payload];
      if (code === 0x00) inMpeg2Picture = true;
      else if (startsPicture) inMpeg2Picture = false;
    }
    if (!startsPicture) continue;
    if (plan.captioned(picture)) {
      pieces.push(stream.subarray(copiedUpTo, unit.start), captionUnit(plan, picture));
      copiedUpTo = unit.start;
    }
    picture++;
  }
  pieces.push(stream.subarray(copiedUpTo));
  return { stream: Buffer.concat(pieces), pictures: picture };
}

interface StartCode {
  /** Offset of the start code's first zero byte (a 4-byte start code's leading zero included). */
  readonly start: number;
  /** Offset of the first byte after 00 00 01 (the NAL header, or the MPEG-2 start code value). */
  readonly payload: number;
}

function startCodes(stream: Uint8Array): StartCode[] {
  const found: StartCode[] = [];
  for (let i = 0; i + 3 < stream.length; i++) {
    if (stream[i] !== 0 || stream[i + 1] !== 0 || stream[i + 2] !== 1) continue;
    const start = i > 0 && stream[i - 1] === 0 ? i - 1 : i;
    found.push({ start, payload: i + 3 });
    i += 2;
  }
  return found;
}

function isPictureStart(
  stream: Uint8Array,
  unit: StartCode,
  codec: CaptionCodec,
  inMpeg2Picture: boolean,
): boolean {
  const first = stream[unit.payload] ?? 0;
  switch (codec) {
    case "h264": {
      const type = first & 0x1f;
      // Coded slices (1 = non-IDR, 5 = IDR) whose first_mb_in_slice is ue(v) 0, i.e. a leading 1 bit.
      return (type === 1 || type === 5) && ((stream[unit.payload + 1] ?? 0) & 0x80) !== 0;
    }
    case "hevc": {
      const type = (first >> 1) & 0x3f;
      // VCL types 0..31, first_slice_segment_in_pic_flag after the two-byte NAL header.
      return type <= 31 && ((stream[unit.payload + 2] ?? 0) & 0x80) !== 0;
    }
    case "mpeg2video":
      // Slice start codes are 0x01..0xAF; the first one after a picture header begins its data.
      return inMpeg2Picture && first >= 0x01 && first <= 0xaf;
  }
}

/** The caption message of one picture, wrapped for the codec (start code included). */
function captionUnit(plan: CaptionPlan, picture: number): Uint8Array {
  const userData = a53UserData(picture, plan.padding ?? 1);
  switch (plan.codec) {
    case "h264":
      return nalUnit([0x06], seiMessage(userData));
    case "hevc":
      // nal_unit_type 39 (prefix SEI), nuh_layer_id 0, nuh_temporal_id_plus1 1.
      return nalUnit([39 << 1, 0x01], seiMessage(userData));
    case "mpeg2video":
      // MPEG-2 user data has no emulation prevention: it must simply never contain 00 00 01, which cc_data()
      // with odd-parity 608 bytes and padding cannot.
      return Uint8Array.from([0x00, 0x00, 0x01, 0xb2, ...userData.subarray(3)]);
  }
}

/**
 * itu_t_t35_country_code, provider code and ATSC_user_data (A/53 Part 4 6.2.3): "GA94", user_data_type_code 3,
 * cc_data(). MPEG-2 picture user data carries the same bytes from "GA94" on.
 */
function a53UserData(picture: number, padding: number): Uint8Array {
  const [a, b] = field1Pair(picture);
  const constructs = [
    ccConstruct(true, CC_FIELD_1, oddParity(a), oddParity(b)),
    // Field 2 carries nothing here: 608 null characters (0x00 with odd parity = 0x80).
    ccConstruct(true, CC_FIELD_2, 0x80, 0x80),
    ...Array.from({ length: padding }, () => ccConstruct(false, CC_DTVCC_DATA, 0x00, 0x00)),
  ];
  const ccCount = constructs.length;
  if (ccCount > 31) throw new Error("cc_count is a 5-bit field: at most 31 constructs");
  return Uint8Array.from([
    0xb5, // itu_t_t35_country_code: United States
    0x00,
    0x31, // itu_t_t35_provider_code: ATSC
    ...[0x47, 0x41, 0x39, 0x34], // user_identifier "GA94"
    0x03, // user_data_type_code: cc_data
    // reserved 1, process_cc_data_flag 1, additional_data_flag 0, cc_count
    0xc0 | ccCount,
    0xff, // em_data (reserved)
    ...constructs.flat(),
    0xff, // marker_bits
  ]);
}

/**
 * What field 1 carries in picture `picture`: each line is a roll-up command, the text two characters a picture,
 * and a carriage return.
 */
function field1Pair(picture: number): readonly [number, number] {
  const perLine = CAPTION_TEXT.length / 2 + 2;
  const slot = picture % perLine;
  if (slot === 0) return ROLL_UP_2 as [number, number];
  if (slot === perLine - 1) return CARRIAGE_RETURN as [number, number];
  const at = 2 * (slot - 1);
  return [CAPTION_TEXT.charCodeAt(at), CAPTION_TEXT.charCodeAt(at + 1)];
}

/** marker_bits 11111, cc_valid, cc_type, then the two data bytes. */
function ccConstruct(valid: boolean, type: number, first: number, second: number): number[] {
  return [0xf8 | (valid ? 0x04 : 0) | type, first, second];
}

/** A 7-bit 608 character with bit 7 set so that the byte has an odd number of ones. */
export function oddParity(char: number): number {
  const seven = char & 0x7f;
  let ones = 0;
  for (let bit = seven; bit; bit >>= 1) ones += bit & 1;
  return ones % 2 === 1 ? seven : seven | 0x80;
}

/** One sei_message(): payload type 4 (user_data_registered_itu_t_t35), its size, the payload. */
function seiMessage(payload: Uint8Array): Uint8Array {
  const size: number[] = [];
  let left = payload.length;
  for (; left >= 255; left -= 255) size.push(0xff);
  size.push(left);
  // rbsp_trailing_bits: a stop bit and alignment.
  return Uint8Array.from([0x04, ...size, ...payload, 0x80]);
}

/** Start code, NAL header, and the RBSP with emulation prevention (00 00 0x, x ≤ 3 → 00 00 03 0x). */
function nalUnit(header: readonly number[], rbsp: Uint8Array): Uint8Array {
  const out = [0x00, 0x00, 0x00, 0x01, ...header];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 0x03) {
      out.push(0x03);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}
