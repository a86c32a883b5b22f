/** The pure parts of the economy profile, without ffmpeg: the TS GOP buffer, the suspicion rules, the copy's lines. */
import { describe, expect, it } from "vitest";
import { parseThresholds } from "../../core-service/src/detectors/registry.ts";
import type { LumaFrame } from "../../core-service/src/detectors/types.ts";
import { EconomySuspicion } from "../../core-service/src/live/economy-suspicion.ts";
import { TsGopBuffer } from "../../core-service/src/live/ts-gop-buffer.ts";
import { FramecrcLines, type FramecrcPacket } from "../../core-service/src/media/framecrc-lines.ts";

const PMT_PID = 0x1000;
const VIDEO_PID = 0x100;

function tsPacket(
  pid: number,
  { start = false, randomAccess = false, payload = [] as number[] } = {},
): Buffer {
  const packet = Buffer.alloc(188, 0xff);
  packet[0] = 0x47;
  packet[1] = (start ? 0x40 : 0) | (pid >> 8);
  packet[2] = pid & 0xff;
  let at = 4;
  if (randomAccess) {
    packet[3] = 0x30; // adaptation field and payload
    packet[4] = 1;
    packet[5] = 0x40;
    at = 6;
  } else packet[3] = 0x10;
  Buffer.from(payload).copy(packet, at);
  return packet;
}

function pat(): Buffer {
  // pointer 0; table 0, section length 13; ts id; version; section numbers; program 1 → PMT_PID; CRC
  return tsPacket(0, {
    start: true,
    payload: [0, 0, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff, 0, 0, 0, 0],
  });
}

/** A PES start with its PTS (90 kHz) in the header. */
function pesStart(seconds: number, key: boolean): Buffer {
  const pts = Math.round(seconds * 90_000);
  const bytes = [
    0x21 | ((Math.floor(pts / 2 ** 30) & 0x7) << 1),
    (pts >> 22) & 0xff,
    (((pts >> 15) & 0x7f) << 1) | 1,
    (pts >> 7) & 0xff,
    ((pts & 0x7f) << 1) | 1,
  ];
  return tsPacket(VIDEO_PID, {
    start: true,
    randomAccess: key,
    payload: [0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5, ...bytes],
  });
}

/** A stream: PAT and PMT, then one packet per frame (25 fps) with a keyframe every `gop` seconds. */
function stream(seconds: number, gop: number): Buffer {
  const packets = [pat(), tsPacket(PMT_PID, { start: true, payload: [0, 2] })];
  for (let frame = 0; frame < seconds * 25; frame++) {
    const time = frame / 25;
    packets.push(pesStart(time, frame % (gop * 25) === 0), tsPacket(VIDEO_PID));
  }
  return Buffer.concat(packets);
}

/** Feeds `data` in awkward chunk sizes, as a pipe would. */
function feed(buffer: TsGopBuffer, data: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += 1000) out.push(buffer.push(data.subarray(at, at + 1000)));
  return Buffer.concat(out);
}

describe("TsGopBuffer", () => {
  it("replays PAT, PMT and the stream from the last keyframe before a time, whatever the chunk sizes", () => {
    const buffer = new TsGopBuffer();
    const data = stream(9, 2);
    const passed = feed(buffer, data);
    expect(passed.equals(data)).toBe(true);
    expect(buffer.gopStarts).toEqual([0, 2, 4, 6, 8]);
    const replay = buffer.replayFrom(6) as Buffer;
    expect(replay.subarray(0, 188).equals(pat())).toBe(true);
    expect(replay.readUInt16BE(188 + 1) & 0x1fff).toBe(PMT_PID);
    // From the keyframe at 4 s (strictly before 6): 2 s + the GOP at 6 s + the second at 8 s, 2 packets a frame.
    const firstVideo = replay.subarray(2 * 188, 3 * 188);
    expect(firstVideo.equals(pesStart(4, true))).toBe(true);
    expect(replay.length).toBe((2 + 5 * 25 * 2) * 188);
  });

  it("holds nothing to replay before its first keyframe, and only the last seconds of GOPs after that", () => {
    const buffer = new TsGopBuffer();
    expect(buffer.replayFrom(1)).toBeUndefined();
    feed(buffer, stream(60, 2));
    const starts = buffer.gopStarts as number[];
    expect(starts.at(-1)).toBe(58);
    expect(starts[0]).toBeGreaterThanOrEqual(58 - 14);
    expect(buffer.bytes).toBeLessThanOrEqual((60 - (starts[0] as number)) * 25 * 2 * 188);
    buffer.clear();
    expect(buffer.replayFrom(59)).toBeUndefined();
  });
});

const thresholds = parseThresholds();

function frame(time: number, fill: (x: number, y: number) => number): LumaFrame {
  const width = 64;
  const height = 36;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = fill(x, y);
  return { index: 0, time, width, height, data, range: "limited" };
}

const texture = (shift: number) => (x: number, y: number) => 40 + (((x + shift) * 7 + y * 13) % 160);

describe("EconomySuspicion", () => {
  it("calls a black keyframe black, from that keyframe on", () => {
    const rules = new EconomySuspicion(thresholds);
    expect(rules.keyframe(frame(2, texture(0)))).toBeUndefined();
    expect(rules.keyframe(frame(4, () => 16))).toEqual({ cause: "black", since: 4 });
  });

  it("calls a keyframe identical to the previous one still, from the keyframe before it; moving ones pass", () => {
    const rules = new EconomySuspicion(thresholds);
    expect(rules.keyframe(frame(0, texture(0)))).toBeUndefined();
    expect(rules.keyframe(frame(2, texture(5)))).toBeUndefined();
    expect(rules.keyframe(frame(4, texture(11)))).toBeUndefined();
    expect(rules.keyframe(frame(6, texture(11)))).toEqual({ cause: "still", since: 4 });
    rules.reconnected();
    expect(rules.keyframe(frame(8, texture(11)))).toBeUndefined();
  });

  it("calls a second with under a quarter of the median bytes a collapse, from the second before it", () => {
    const rules = new EconomySuspicion(thresholds);
    const seen: unknown[] = [];
    const second = (start: number, bytesPerFrame: number) => {
      for (let f = 0; f < 25; f++) {
        const suspicion = rules.packet(start + f / 25, bytesPerFrame);
        if (suspicion) seen.push(suspicion);
      }
    };
    for (let s = 0; s < 10; s++) second(s, s % 2 ? 400 : 1200);
    expect(seen).toEqual([]);
    second(10, 20);
    second(11, 20);
    expect(seen).toEqual([{ cause: "bitrate-collapse", since: 9 }]);
  });

  it("does not judge the bitrate of a connection's first seconds", () => {
    const rules = new EconomySuspicion(thresholds);
    const seen = [0, 1, 2, 3].map((s) => rules.packet(s, s === 0 ? 100_000 : 10));
    expect(seen.filter(Boolean)).toEqual([]);
  });
});

describe("FramecrcLines", () => {
  it("reads the copied packets' pts, size and key flag from framecrc lines split anywhere", () => {
    const packets: FramecrcPacket[] = [];
    const lines = new FramecrcLines((p) => packets.push(p));
    lines.push(
      "#tb 0: 1/90000\n0,     126000,     133200,     3600,     4503, 0x3cd1502c, S=1,        1\n0,  ",
    );
    lines.push("   129600,     144000,     3600,     1826, 0xbf8c8aeb, F=0x0, S=1,        1\n");
    expect(packets).toEqual([
      { time: 1.48, duration: 0.04, size: 4503, key: true },
      { time: 1.6, duration: 0.04, size: 1826, key: false },
    ]);
  });
});
