/**
 * Keeps the last few GOPs of an MPEG-TS video stream (the economy profile's stream copy), so a full decoder can
 * be started from the keyframe before a suspicious one. Cuts at the TS packets that start a PES packet
 * (payload_unit_start_indicator) with the random_access_indicator set, on the video PID: ffmpeg's muxer sets
 * it on keyframes. The latest PAT and PMT are kept and put first in a replay, so the decoder can read it.
 *
 * Written here rather than taken from a library: the npm MPEG-TS packages are demuxers that copy every payload
 * out into PES objects; this needs only a few header bits per 188-byte packet and the packets left whole.
 * Memory is bounded: KEEP_SECONDS of GOPs, and never more than MAX_BYTES (the oldest go first; a GOP that
 * alone grows past it, no keyframe for a long time, is dropped: a replay then starts at the next keyframe).
 */

const PACKET_SIZE = 188;
const SYNC_BYTE = 0x47;
const PAT_PID = 0;
/**
 * Stream seconds of GOPs kept (plus the one before them). Keyframe pictures reach Node well after their packets
 * are copied: the H.264 decoder holds back as many decoded pictures as the stream may reorder (x264: 2), and
 * under `-skip_frame nokey` those are keyframes, so a keyframe's picture comes out two keyframes later (4 s with
 * 2 s GOPs, measured on ffmpeg 4.1 and 5.1; `-flags low_delay` does not change it). Twelve seconds keeps the GOP
 * before a suspicious keyframe for GOPs of up to 4 s, scene-cut keyframes included.
 */
const KEEP_SECONDS = 12;
/** 64 MB is 10 s at 50 Mb/s: well past any live stream's. A GOP that alone grows past it is dropped. */
const MAX_BYTES = 64 * 1024 * 1024;
const PTS_HZ = 90_000;

interface Gop {
  /** Raw seconds of the keyframe that starts it (the PES header's PTS); undefined when it had none. */
  readonly start: number | undefined;
  readonly packets: Buffer[];
  bytes: number;
}

export class TsGopBuffer {
  private partial: Buffer = Buffer.alloc(0);
  private pat: Buffer | undefined;
  private pmt: Buffer | undefined;
  private pmtPid: number | undefined;
  private videoPid: number | undefined;
  private readonly gops: Gop[] = [];
  private held = 0;

  /** Bytes held (GOPs only). */
  get bytes(): number {
    return this.held;
  }

  /** Raw start times of the GOPs held, oldest first. */
  get gopStarts(): (number | undefined)[] {
    return this.gops.map((gop) => gop.start);
  }

  /**
   * Bytes of the stream as the pipe gives them; returns the whole TS packets they completed (what a running
   * decoder is to be given next). Bytes before a sync byte are skipped (ffmpeg writes none).
   */
  push(chunk: Buffer): Buffer {
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    let offset = 0;
    while (offset < data.length && data[offset] !== SYNC_BYTE) offset++;
    const whole = Math.floor((data.length - offset) / PACKET_SIZE) * PACKET_SIZE;
    const packets = data.subarray(offset, offset + whole);
    this.partial = Buffer.from(data.subarray(offset + whole));
    for (let at = 0; at < packets.length; at += PACKET_SIZE) {
      // A copy: the pipe's chunk must not stay alive for the sake of one packet of it.
      this.packet(Buffer.from(packets.subarray(at, at + PACKET_SIZE)));
    }
    return packets;
  }

  /**
   * PAT, PMT, then every packet held from the last keyframe strictly before `rawTime` (the oldest one held when
   * none is); undefined until a PAT, a PMT and a keyframe have been seen.
   */
  replayFrom(rawTime: number): Buffer | undefined {
    if (!this.pat || !this.pmt) return undefined;
    const startable = this.gops.filter((gop) => gop.start !== undefined);
    if (startable.length === 0) return undefined;
    const before = startable.filter((gop) => (gop.start as number) < rawTime - 1e-6);
    const first = before.at(-1) ?? (startable[0] as Gop);
    const from = this.gops.indexOf(first);
    return Buffer.concat([this.pat, this.pmt, ...this.gops.slice(from).flatMap((gop) => gop.packets)]);
  }

  /** A new connection: its stream starts afresh. */
  clear(): void {
    this.partial = Buffer.alloc(0);
    this.gops.length = 0;
    this.held = 0;
    this.pat = this.pmt = undefined;
    this.pmtPid = this.videoPid = undefined;
  }

  private packet(packet: Buffer): void {
    const header = readHeader(packet);
    if (header.pid === PAT_PID) {
      this.pat = packet;
      this.pmtPid = header.payloadStart ? firstProgramPid(packet, header.payload) : this.pmtPid;
      return;
    }
    if (header.pid === this.pmtPid) {
      this.pmt = packet;
      return;
    }
    if (header.payloadStart && this.videoPid === undefined && isVideoPes(packet, header.payload))
      this.videoPid = header.pid;
    if (header.pid === this.videoPid && header.payloadStart && header.randomAccess) {
      const start = pesPts(packet, header.payload);
      this.gops.push({ start, packets: [], bytes: 0 });
      this.forget(start);
    }
    const current = this.gops.at(-1);
    if (!current) return;
    current.packets.push(packet);
    current.bytes += packet.length;
    this.held += packet.length;
    while (this.held > MAX_BYTES && this.gops.length > 0) this.dropOldest();
  }

  /** Drops the GOPs older than the one before the last KEEP_SECONDS (all but the newest when times are unknown). */
  private forget(newest: number | undefined): void {
    while (this.gops.length > 1) {
      const next = this.gops[1] as Gop;
      const old =
        newest === undefined || next.start === undefined || next.start > newest + 1
          ? this.gops.length > 2
          : newest - next.start > KEEP_SECONDS;
      if (!old) return;
      this.dropOldest();
    }
  }

  private dropOldest(): void {
    const gop = this.gops.shift();
    if (gop) this.held -= gop.bytes;
  }
}

interface PacketHeader {
  readonly pid: number;
  readonly payloadStart: boolean;
  readonly randomAccess: boolean;
  /** Offset of the payload in the packet (PACKET_SIZE when there is none). */
  readonly payload: number;
}

/** ISO/IEC 13818-1 §2.4.3.2–3: the 4-byte header and the adaptation field's flags. */
export function readHeader(packet: Buffer): PacketHeader {
  const b1 = packet[1] as number;
  const control = ((packet[3] as number) >> 4) & 0x3;
  const hasAdaptation = (control & 0x2) !== 0;
  const hasPayload = (control & 0x1) !== 0;
  const adaptationLength = hasAdaptation ? (packet[4] as number) : 0;
  const randomAccess = hasAdaptation && adaptationLength > 0 && ((packet[5] as number) & 0x40) !== 0;
  const payload = hasPayload ? 4 + (hasAdaptation ? 1 + adaptationLength : 0) : PACKET_SIZE;
  return {
    pid: ((b1 & 0x1f) << 8) | (packet[2] as number),
    payloadStart: (b1 & 0x40) !== 0,
    randomAccess,
    payload,
  };
}

/** The PID of the first program's PMT in a PAT section. */
function firstProgramPid(packet: Buffer, payload: number): number | undefined {
  const section = payload + 1 + ((packet[payload] as number) ?? 0);
  const sectionLength = (((packet[section + 1] as number) & 0x0f) << 8) | (packet[section + 2] as number);
  const end = Math.min(section + 3 + sectionLength - 4, PACKET_SIZE);
  for (let at = section + 8; at + 4 <= end; at += 4) {
    const program = ((packet[at] as number) << 8) | (packet[at + 1] as number);
    if (program !== 0) return (((packet[at + 2] as number) & 0x1f) << 8) | (packet[at + 3] as number);
  }
  return undefined;
}

function isVideoPes(packet: Buffer, payload: number): boolean {
  if (payload + 4 > PACKET_SIZE) return false;
  const startCode = packet[payload] === 0 && packet[payload + 1] === 0 && packet[payload + 2] === 1;
  const streamId = packet[payload + 3] as number;
  return startCode && streamId >= 0xe0 && streamId <= 0xef;
}

/** The PTS of a PES header, in seconds (ISO/IEC 13818-1 §2.4.3.7); 33-bit wrap-around is not undone. */
function pesPts(packet: Buffer, payload: number): number | undefined {
  if (payload + 14 > PACKET_SIZE || ((packet[payload + 7] as number) & 0x80) === 0) return undefined;
  const p = payload + 9;
  const high = ((packet[p] as number) >> 1) & 0x07;
  const rest =
    ((packet[p + 1] as number) << 22) |
    (((packet[p + 2] as number) >> 1) << 15) |
    ((packet[p + 3] as number) << 7) |
    ((packet[p + 4] as number) >> 1);
  return (high * 2 ** 30 + (rest >>> 0)) / PTS_HZ;
}
