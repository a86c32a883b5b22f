import { describe, expect, it } from "vitest";
import { SourceUnreachableError } from "../../core-service/src/domain/errors.ts";
import {
  checkSourceUrl,
  ForbiddenSourceError,
  parseIpLiteral,
  parseIpv4,
  type Resolver,
  refusedRange,
} from "../../core-service/src/security/ssrf-guard.ts";

const resolverFor =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return addresses;
  };

const publicDns = resolverFor({
  "cdn.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
});

describe("parsing IPv4 in every spelling", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["0251.0376.0251.0376", "169.254.169.254"],
    ["0xa9fea9fe", "169.254.169.254"],
    ["2852039166", "169.254.169.254"],
    ["169.254.43522", "169.254.170.2"],
    ["10.0.0.1.", "10.0.0.1"],
  ])("reads %s as %s", (spelling, dotted) => {
    expect(parseIpv4(spelling)).toBe(parseIpv4(dotted));
    expect(parseIpv4(spelling)).not.toBeNull();
  });

  it.each(["256.0.0.1", "1.2.3.4.5", "08.0.0.1", "0x1g.0.0.1", "4294967296", "cdn.example.com", ""])(
    "does not take %s for an IPv4 address",
    (text) => {
      expect(parseIpv4(text)).toBeNull();
    },
  );
});

describe("classifying addresses", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["10.1.2.3", /private/],
    ["172.31.255.255", /private/],
    ["192.168.0.10", /private/],
    ["169.254.169.254", /link-local/],
    ["169.254.170.2", /link-local/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["0.0.0.0", /this network/],
    ["255.255.255.255", /reserved/],
    ["::1", /loopback/],
    ["::", /unspecified/],
    ["fd00:ec2::254", /unique-local/],
    ["fc00::1", /unique-local/],
    ["fe80::1%eth0", /link-local/],
    ["::ffff:127.0.0.1", /IPv4-mapped/],
    ["::ffff:7f00:1", /IPv4-mapped/],
    ["::127.0.0.1", /IPv4-compatible/],
    ["64:ff9b::a9fe:a9fe", /NAT64.*link-local/],
    ["2002:7f00:1::", /6to4.*loopback/],
  ])("refuses %s", (address, why) => {
    const ip = parseIpLiteral(address);
    expect(ip).not.toBeNull();
    expect(refusedRange(ip as NonNullable<typeof ip>)).toMatch(why);
  });

  it.each([
    "8.8.8.8",
    "93.184.215.14",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700::6810:84e5",
    "64:ff9b::808:808",
    // An IPv4-mapped address reaches the IPv4 address it carries, so it is judged by that address.
    "::ffff:8.8.8.8",
  ])("lets the public address %s through", (address) => {
    const ip = parseIpLiteral(address);
    expect(ip).not.toBeNull();
    expect(refusedRange(ip as NonNullable<typeof ip>)).toBeNull();
  });
});

describe("checking a source URL", () => {
  it("accepts an https URL whose host resolves only to public addresses", async () => {
    const checked = await checkSourceUrl("https://cdn.example.com/live/master.m3u8", { resolve: publicDns });
    expect(checked.addresses).toEqual(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]);
    expect(checked.url.hostname).toBe("cdn.example.com");
  });

  it.each([
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2/v2/credentials/abc",
    "http://2852039166/latest/meta-data/",
    "http://0xa9fea9fe/",
    "http://0251.0376.0251.0376/",
    "http://0x7f.1/",
    "http://127.1:8080/",
    "http://[::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "rtmp://0177.0.0.1/live/stream",
    "srt://2130706433:9000",
    "srt://[::ffff:10.0.0.1]:9000",
    "rtmp://10.0.0.5/app",
    "http://100.100.100.200/",
    // Loopback however it is spelled: mapped, translated, NAT64, 6to4, Teredo, IPv4-compatible.
    "http://[::ffff:127.0.0.1]/",
    "http://127.1/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:0:7f00:1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b:1::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://[2001:0:7f00:1::]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    "rtmp://[::127.0.0.1]/live",
    "srt://[::ffff:0:a9fe:a9fe]:9000",
  ])("refuses %s", async (url) => {
    await expect(checkSourceUrl(url, { resolve: publicDns })).rejects.toBeInstanceOf(ForbiddenSourceError);
  });

  it("refuses a host name when any one of its addresses is internal (DNS pointing inside)", async () => {
    const resolve = resolverFor({ "media.attacker.test": ["93.184.215.14", "169.254.169.254"] });
    await expect(checkSourceUrl("https://media.attacker.test/x.mp4", { resolve })).rejects.toThrow(
      /169\.254\.169\.254, a link-local address/,
    );
  });

  it.each([
    ["an IPv4-mapped loopback address", "::ffff:127.0.0.1"],
    ["a Teredo address whose client is 127.0.0.1", "2001:0:4136:e378:8000:63bf:80ff:fffe"],
    ["an IPv4-translated metadata address", "::ffff:0:a9fe:a9fe"],
    ["a local-use NAT64 address", "64:ff9b:1::a00:1"],
  ])("refuses a host name that resolves to %s", async (_case, address) => {
    const resolve = resolverFor({ "media.attacker.test": [address] });
    await expect(checkSourceUrl("https://media.attacker.test/x.m3u8", { resolve })).rejects.toBeInstanceOf(
      ForbiddenSourceError,
    );
  });

  it("returns every address in its canonical spelling, the one a connection dials", async () => {
    const resolve = resolverFor({ "cdn.example.com": ["2606:2800:021f:cb07:6820:80da:af6b:8b2c"] });
    const byName = await checkSourceUrl("https://cdn.example.com/a.mp4", { resolve });
    const literal = await checkSourceUrl("rtmp://0x5db8d70e/live", { resolve });

    expect(byName.addresses).toEqual(["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]);
    expect(literal.addresses).toEqual(["93.184.215.14"]);
  });

  it("names what the URL is in its refusal", async () => {
    await expect(
      checkSourceUrl("http://169.254.169.254/hook", { resolve: publicDns, subject: "webhook URL" }),
    ).rejects.toThrow(/^webhook URL host 169\.254\.169\.254 resolves to 169\.254\.169\.254, a link-local/);
  });

  it("refuses localhost through its resolved address", async () => {
    const resolve = resolverFor({ localhost: ["::1", "127.0.0.1"] });
    await expect(checkSourceUrl("http://localhost:3000/healthz", { resolve })).rejects.toBeInstanceOf(
      ForbiddenSourceError,
    );
  });

  it.each([
    "file:///etc/passwd",
    "gopher://cdn.example.com/",
    "ftp://cdn.example.com/a.ts",
    "data:text/plain,hi",
  ])("refuses the scheme of %s", async (url) => {
    await expect(checkSourceUrl(url, { resolve: publicDns })).rejects.toThrow(/scheme/);
  });

  it("takes a narrower scheme list when given one", async () => {
    await expect(
      checkSourceUrl("rtmp://cdn.example.com/live", { resolve: publicDns, allowedSchemes: ["https"] }),
    ).rejects.toThrow(/scheme "rtmp"/);
  });

  it("reports a name that does not resolve as unreachable (a retry may help), not as forbidden", async () => {
    const error = await checkSourceUrl("https://nowhere.example.net/a.mp4", { resolve: publicDns }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(SourceUnreachableError);
    expect(error.retryable).toBe(true);
  });

  it("refuses a malformed numeric host instead of resolving it", async () => {
    let resolved = false;
    const resolve: Resolver = async () => {
      resolved = true;
      return ["93.184.215.14"];
    };
    await expect(checkSourceUrl("rtmp://1.2.3.4.5/live", { resolve })).rejects.toBeInstanceOf(
      ForbiddenSourceError,
    );
    expect(resolved).toBe(false);
  });

  it("refuses text that is not a URL", async () => {
    await expect(checkSourceUrl("not a url", { resolve: publicDns })).rejects.toBeInstanceOf(
      ForbiddenSourceError,
    );
  });
});
