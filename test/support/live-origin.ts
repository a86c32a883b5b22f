/**
 * A real live origin on 127.0.0.1 for the live tests. A programme with defects at known times is rendered once
 * (cached, see test-media.ts), then published in real time by ffmpeg (`-re`, stream copy, so publishing costs
 * almost no CPU) either as HLS (1 s segments, a 5-segment window, old segments deleted) served from a temp
 * folder by a node:http static server, or as MPEG-TS over HTTP (ffmpeg's stdout fanned out to every client).
 *
 * "Origin time" is seconds since the origin first started; the programme's defect windows are in origin time.
 * The origin can be killed (ffmpeg SIGKILLed and the server closed: connections refused) and restarted (same
 * port, the programme resumes where the wall clock says it should be, as a real channel would).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnFfmpeg } from "../../core-service/src/media/ffmpeg.ts";
import { type AudioEvent, makeClip, type VideoEvent } from "./test-media.ts";

export type OriginProtocol = "hls" | "mpegts-http";

export interface LiveOriginOptions {
  readonly protocol: OriginProtocol;
  /** Seconds of programme; the origin ends (goes quiet) after that. */
  readonly duration: number;
  readonly video?: readonly VideoEvent[];
  readonly audio?: readonly AudioEvent[];
  /** Publish this file instead of rendering the 320x180 programme (e.g. a 720p clip for the benchmark). */
  readonly clip?: string;
  /** Start the programme again when it ends, for as long as the origin runs. */
  readonly loop?: boolean;
}

export interface LiveOrigin {
  readonly url: string;
  /** pid of the publishing ffmpeg, undefined while killed. */
  pid(): number | undefined;
  /**
   * Wall-clock ms at which the frame at `originTime` could first be fetched from the origin: for HLS, when the
   * playlist first listed the segment holding it; for MPEG-TS over HTTP, when ffmpeg wrote it. Undefined if
   * not published yet.
   */
  availableAt(originTime: number): number | undefined;
  /** The origin dies: ffmpeg is killed and the server stops accepting connections. */
  kill(): Promise<void>;
  /** The origin comes back on the same URL, at the programme position the wall clock implies. */
  restart(): Promise<void>;
  /**
   * MPEG-TS over HTTP only: the origin sends nothing for `seconds` while connections stay open, as when the
   * link to the encoder drops; what ffmpeg writes meanwhile is discarded, so the programme moves on.
   */
  pause(seconds: number): void;
  close(): Promise<void>;
}

interface Published {
  readonly start: number;
  readonly end: number;
  readonly atMs: number;
}

const SEGMENT_POLL_MS = 25;

export async function startLiveOrigin(options: LiveOriginOptions): Promise<LiveOrigin> {
  const clip =
    options.clip ??
    (await makeClip({
      duration: options.duration,
      container: "ts",
      video: { codec: "libx264", size: "320x180", fps: "25", gop: 25, events: options.video ?? [] },
      audio: { codec: "aac", channels: 2, events: options.audio ?? [] },
    }));
  const origin = new Origin(options.protocol, clip, options.loop ?? false);
  await origin.start();
  return origin;
}

class Origin implements LiveOrigin {
  private readonly folder = mkdtempSync(join(tmpdir(), "avmon-origin-"));
  private readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  private readonly published: Published[] = [];
  private child: ChildProcess | undefined;
  private poller: NodeJS.Timeout | undefined;
  private port = 0;
  private firstStartMs = 0;
  private pausedUntilMs = 0;
  /** Origin time at which the current ffmpeg run began, and the wall time its first byte came out. */
  private run = { originStart: 0, firstOutputMs: 0, nextSegment: 0, segmentStart: 0 };

  constructor(
    private readonly protocol: OriginProtocol,
    private readonly clip: string,
    private readonly loop: boolean,
  ) {
    this.server = createServer((req, res) => this.serve(req.url ?? "/", res));
  }

  get url(): string {
    const path = this.protocol === "hls" ? "live.m3u8" : "live.ts";
    return `http://127.0.0.1:${this.port}/${path}`;
  }

  pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  async start(): Promise<void> {
    await this.listen();
    this.firstStartMs = Date.now();
    this.publish(0);
  }

  availableAt(originTime: number): number | undefined {
    if (this.protocol === "hls")
      return this.published.find((s) => s.start <= originTime && originTime < s.end)?.atMs;
    if (!this.run.firstOutputMs || originTime < this.run.originStart) return undefined;
    const at = this.run.firstOutputMs + (originTime - this.run.originStart) * 1000;
    return at <= Date.now() ? at : undefined;
  }

  async kill(): Promise<void> {
    await this.stopPublishing();
    // A dead origin's last playlist must not be served again when it comes back.
    rmSync(join(this.folder, "live.m3u8"), { force: true });
    for (const res of this.clients) res.destroy();
    this.clients.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async restart(): Promise<void> {
    await this.listen();
    // Whole seconds land on the programme's keyframes (GOP = 1 s), where a stream copy can start cleanly.
    this.publish(Math.floor((Date.now() - this.firstStartMs) / 1000));
  }

  pause(seconds: number): void {
    if (this.protocol !== "mpegts-http") throw new Error("pause is for MPEG-TS over HTTP origins");
    this.pausedUntilMs = Date.now() + seconds * 1000;
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.kill();
    else await this.stopPublishing();
    rmSync(this.folder, { recursive: true, force: true });
  }

  private publish(originStart: number): void {
    this.run = {
      originStart,
      firstOutputMs: 0,
      nextSegment: this.run.nextSegment,
      segmentStart: originStart,
    };
    const input = [
      "-re",
      ...(this.loop ? ["-stream_loop", "-1"] : []),
      ...(originStart > 0 ? ["-ss", String(originStart)] : []),
      "-i",
      this.clip,
    ];
    const timeline = ["-output_ts_offset", String(originStart)];
    const output =
      this.protocol === "hls"
        ? [
            "-f",
            "hls",
            "-hls_time",
            "1",
            "-hls_list_size",
            "5",
            "-hls_flags",
            "delete_segments",
            "-start_number",
            String(this.run.nextSegment),
            "-hls_segment_filename",
            join(this.folder, "s%06d.ts"),
            join(this.folder, "live.m3u8"),
          ]
        : ["-flush_packets", "1", "-f", "mpegts", "pipe:1"];
    const child = spawnFfmpeg(["-loglevel", "error", ...input, "-c", "copy", ...timeline, ...output]);
    this.child = child;
    child.stderr?.resume();
    child.stdout?.on("data", (chunk: Buffer) => {
      this.run.firstOutputMs ||= Date.now();
      if (Date.now() < this.pausedUntilMs) return;
      for (const res of this.clients) res.write(chunk);
    });
    if (this.protocol === "hls") this.poller = setInterval(() => this.watchPlaylist(), SEGMENT_POLL_MS);
  }

  private async stopPublishing(): Promise<void> {
    clearInterval(this.poller);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** Notes when each segment first appears in the playlist, and which stretch of origin time it holds. */
  private watchPlaylist(): void {
    let text: string;
    try {
      text = readFileSync(join(this.folder, "live.m3u8"), "utf8");
    } catch {
      return;
    }
    const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
    const durations = [...text.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
    durations.forEach((duration, i) => {
      const number = sequence + i;
      if (number < this.run.nextSegment) return;
      const start = this.run.segmentStart;
      this.published.push({ start, end: start + duration, atMs: Date.now() });
      this.run.segmentStart = start + duration;
      this.run.nextSegment = number + 1;
    });
  }

  private serve(url: string, res: ServerResponse): void {
    if (this.protocol === "mpegts-http") {
      if (url !== "/live.ts") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "video/mp2t" });
      this.clients.add(res);
      res.on("close", () => this.clients.delete(res));
      return;
    }
    // A query string (a test's way to tell its own readers apart) names the same file.
    const name = new URL(url, "http://origin").pathname.slice(1);
    if (!/^(live\.m3u8|s\d{6}\.ts)$/.test(name)) return void res.writeHead(404).end();
    try {
      const body = readFileSync(join(this.folder, name));
      const type = name.endsWith(".m3u8") ? "application/vnd.apple.mpegurl" : "video/mp2t";
      res.writeHead(200, { "content-type": type, "cache-control": "no-cache" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
