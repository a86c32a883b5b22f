/**
 * A live MPEG-TS origin on 127.0.0.1 whose audio clock slips, as a hardware encoder's can: its audio timestamps run
 * `rate` times as fast as real time while its packets still leave in real time. ffmpeg cannot publish that: it
 * writes packets in timestamp order, which holds fast-stamped audio back until its stamps are due. So a clip is
 * rewritten here (every audio PES timestamp stretched from the first) and sent by Node in its own packet order,
 * paced by the video's decoding timestamps. Each client gets the stream from its start.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readPesTimestamp } from "./ts-damage.ts";

const PACKET_SIZE = 188;
const SYNC_BYTE = 0x47;
const CLOCK = 90_000;

export interface PacedOrigin {
  readonly url: string;
  close(): Promise<void>;
}

interface Pes {
  /** Byte offset of the PES header. */
  readonly at: number;
  readonly streamId: number;
  readonly pts?: number;
  readonly dts?: number;
}

/** A copy of `ts` with every audio PTS/DTS moved to first + (t − first) × rate. */
export function stretchAudioTimestamps(ts: Buffer, rate: number): Buffer {
  const out = Buffer.from(ts);
  let first: number | undefined;
  for (const pes of pesHeaders(out)) {
    if (pes.streamId < 0xc0 || pes.streamId > 0xdf || pes.pts === undefined) continue;
    const origin = first ?? pes.pts;
    first = origin;
    const stretch = (t: number) => Math.round(origin + (t - origin) * rate);
    writeTimestamp(out, pes.at + 9, stretch(pes.pts));
    if (pes.dts !== undefined) writeTimestamp(out, pes.at + 14, stretch(pes.dts));
  }
  if (first === undefined) throw new Error("the transport stream carries no audio PES with timestamps");
  return out;
}

/** Serves `ts` as `/live.ts`, each TS packet sent when the wall clock reaches the last video DTS before it. */
export async function startPacedOrigin(ts: Buffer): Promise<PacedOrigin> {
  const chunks = pacedChunks(ts);
  const responses = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url !== "/live.ts") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "video/mp2t" });
    responses.add(res);
    const started = Date.now();
    let next = 0;
    const send = () => {
      while (next < chunks.length && (chunks[next]?.at ?? 0) * 1000 <= Date.now() - started) {
        res.write(chunks[next]?.bytes);
        next++;
      }
      if (next < chunks.length && !res.destroyed) timer = setTimeout(send, 10);
      else res.end();
    };
    let timer = setTimeout(send, 0);
    res.on("close", () => {
      clearTimeout(timer);
      responses.delete(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/live.ts`,
    close: () => {
      for (const res of responses) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The stream cut where video pictures begin, each piece with the seconds after the first picture it is due. */
function pacedChunks(ts: Buffer): { at: number; bytes: Buffer }[] {
  const starts: { offset: number; at: number }[] = [{ offset: 0, at: 0 }];
  let first: number | undefined;
  for (const pes of pesHeaders(ts)) {
    if (pes.streamId < 0xe0 || pes.streamId > 0xef) continue;
    const decodeTime = pes.dts ?? pes.pts;
    if (decodeTime === undefined) continue;
    first ??= decodeTime;
    const packet = pes.at - ((pes.at % PACKET_SIZE) as number);
    starts.push({ offset: packet, at: Math.max(0, (decodeTime - first) / CLOCK) });
  }
  return starts.map((s, i) => ({
    at: s.at,
    bytes: ts.subarray(s.offset, starts[i + 1]?.offset ?? ts.length),
  }));
}

/** Every PES header that begins a TS packet's payload, with its timestamps. */
function* pesHeaders(ts: Buffer): Generator<Pes> {
  for (let offset = 0; offset + PACKET_SIZE <= ts.length; offset += PACKET_SIZE) {
    if (ts[offset] !== SYNC_BYTE) throw new Error(`lost TS sync at byte ${offset}`);
    const unitStart = ((ts[offset + 1] as number) & 0x40) !== 0;
    const control = ((ts[offset + 3] as number) >> 4) & 0x3;
    if (!unitStart || (control & 0x1) === 0) continue;
    const at = offset + 4 + ((control & 0x2) !== 0 ? 1 + (ts[offset + 4] as number) : 0);
    if (at + 19 > offset + PACKET_SIZE) continue;
    if (ts[at] !== 0 || ts[at + 1] !== 0 || ts[at + 2] !== 1) continue;
    const flags = ((ts[at + 7] as number) >> 6) & 0x3;
    yield {
      at,
      streamId: ts[at + 3] as number,
      ...(flags & 0x2 && { pts: readPesTimestamp(ts, at + 9) }),
      ...(flags === 0x3 && { dts: readPesTimestamp(ts, at + 14) }),
    };
  }
}

/** The inverse of readPesTimestamp, keeping the first byte's prefix bits. */
function writeTimestamp(ts: Buffer, at: number, value: number): void {
  const v = value % 2 ** 33;
  const high = Math.floor(v / 2 ** 30) & 0x07;
  const low = v % 2 ** 30;
  ts[at] = ((ts[at] as number) & 0xf0) | (high << 1) | 1;
  ts[at + 1] = (low >> 22) & 0xff;
  ts[at + 2] = (((low >> 15) & 0x7f) << 1) | 1;
  ts[at + 3] = (low >> 7) & 0xff;
  ts[at + 4] = ((low & 0x7f) << 1) | 1;
}
