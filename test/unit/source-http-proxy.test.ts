import { describe, expect, it } from "vitest";
import { liveInputOptions } from "../../core-service/src/live/live-args.ts";
import { resolveSource } from "../../core-service/src/media/source.ts";

const PROXY = "http://127.0.0.1:40123";

function optionValue(options: readonly string[], name: string): string | undefined {
  const at = options.indexOf(name);
  return at === -1 ? undefined : options[at + 1];
}

describe("sending ffmpeg's HTTP(S) requests through a proxy", () => {
  it.each(["http://cdn.example.com/live.m3u8", "https://cdn.example.com/clip.mp4"])(
    "gives %s the proxy and lets its HTTPS requests tunnel",
    (url) => {
      const { inputOptions } = resolveSource(url, { allowLocalFiles: false, httpProxy: PROXY });
      expect(optionValue(inputOptions, "-http_proxy")).toBe(PROXY);
      expect(optionValue(inputOptions, "-protocol_whitelist")?.split(",")).toContain("httpproxy");
    },
  );

  it("keeps the proxy in the live engine's input options", () => {
    const source = resolveSource("https://cdn.example.com/live.m3u8", {
      allowLocalFiles: false,
      live: true,
      httpProxy: PROXY,
    });
    expect(optionValue(liveInputOptions(source, 10), "-http_proxy")).toBe(PROXY);
  });

  it.each(["rtmp://origin.example.com/app/key", "srt://origin.example.com:9000"])(
    "leaves %s alone: ffmpeg proxies only HTTP",
    (url) => {
      const { inputOptions } = resolveSource(url, { allowLocalFiles: false, live: true, httpProxy: PROXY });
      expect(inputOptions).not.toContain("-http_proxy");
      expect(optionValue(inputOptions, "-protocol_whitelist")).not.toMatch(/httpproxy/);
    },
  );

  it("adds no proxy and no tunnelling protocol when none is asked for (the local stack)", () => {
    const { inputOptions } = resolveSource("https://cdn.example.com/live.m3u8", { allowLocalFiles: true });
    expect(inputOptions).not.toContain("-http_proxy");
    expect(optionValue(inputOptions, "-protocol_whitelist")).toBe("http,https,tcp,tls,crypto");
  });
});
