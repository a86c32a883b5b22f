/**
 * The guard's address classification against the IANA special-purpose registries, row by row
 * (iana.org/assignments/iana-ipv4-special-registry and iana-ipv6-special-registry, plus the multicast and
 * deprecated ranges that live in other registries). Each row gives the range's first and last address, both
 * refused; the addresses just outside each range pass, so a range drawn too wide fails too.
 */
import { describe, expect, it } from "vitest";
import { type IpAddress, parseIpLiteral, refusedRange } from "../../core-service/src/security/ssrf-guard.ts";

function verdict(address: string): string | null {
  const ip = parseIpLiteral(address);
  if (ip === null) throw new Error(`test table holds a malformed address: ${address}`);
  return refusedRange(ip as IpAddress);
}

type Row = readonly [range: string, first: string, last: string, reason: RegExp];

const IPV4_SPECIAL: readonly Row[] = [
  ["0.0.0.0/8 this network", "0.0.0.0", "0.255.255.255", /this network/],
  ["10.0.0.0/8 private-use", "10.0.0.0", "10.255.255.255", /private/],
  ["100.64.0.0/10 shared address space", "100.64.0.0", "100.127.255.255", /carrier-grade NAT/],
  ["127.0.0.0/8 loopback", "127.0.0.0", "127.255.255.255", /loopback/],
  ["169.254.0.0/16 link local", "169.254.0.0", "169.254.255.255", /link-local/],
  ["172.16.0.0/12 private-use", "172.16.0.0", "172.31.255.255", /private/],
  ["192.0.0.0/24 IETF protocol assignments", "192.0.0.0", "192.0.0.255", /reserved/],
  ["192.0.0.0/29 IPv4 service continuity (DS-Lite)", "192.0.0.0", "192.0.0.7", /reserved/],
  ["192.0.0.8/32 IPv4 dummy address", "192.0.0.8", "192.0.0.8", /reserved/],
  ["192.0.0.9/32 PCP anycast", "192.0.0.9", "192.0.0.9", /reserved/],
  ["192.0.0.10/32 TURN anycast", "192.0.0.10", "192.0.0.10", /reserved/],
  ["192.0.0.170/31 NAT64/DNS64 discovery", "192.0.0.170", "192.0.0.171", /reserved/],
  ["192.0.2.0/24 documentation (TEST-NET-1)", "192.0.2.0", "192.0.2.255", /reserved/],
  ["192.31.196.0/24 AS112-v4", "192.31.196.0", "192.31.196.255", /AS112/],
  ["192.52.193.0/24 AMT", "192.52.193.0", "192.52.193.255", /AMT/],
  ["192.88.99.0/24 deprecated 6to4 relay anycast", "192.88.99.0", "192.88.99.255", /reserved/],
  ["192.168.0.0/16 private-use", "192.168.0.0", "192.168.255.255", /private/],
  ["192.175.48.0/24 direct delegation AS112", "192.175.48.0", "192.175.48.255", /AS112/],
  ["198.18.0.0/15 benchmarking", "198.18.0.0", "198.19.255.255", /reserved/],
  ["198.51.100.0/24 documentation (TEST-NET-2)", "198.51.100.0", "198.51.100.255", /reserved/],
  ["203.0.113.0/24 documentation (TEST-NET-3)", "203.0.113.0", "203.0.113.255", /reserved/],
  ["224.0.0.0/4 multicast", "224.0.0.0", "239.255.255.255", /multicast/],
  ["240.0.0.0/4 reserved", "240.0.0.0", "255.255.255.254", /reserved/],
  ["255.255.255.255/32 limited broadcast", "255.255.255.255", "255.255.255.255", /broadcast/],
];

const IPV4_JUST_OUTSIDE = [
  "1.0.0.0",
  "9.255.255.255",
  "11.0.0.0",
  "100.63.255.255",
  "100.128.0.0",
  "126.255.255.255",
  "128.0.0.0",
  "169.253.255.255",
  "169.255.0.0",
  "172.15.255.255",
  "172.32.0.0",
  "191.255.255.255",
  "192.0.1.0",
  "192.0.1.255",
  "192.0.3.0",
  "192.31.195.255",
  "192.31.197.0",
  "192.52.192.255",
  "192.52.194.0",
  "192.88.98.255",
  "192.88.100.0",
  "192.167.255.255",
  "192.169.0.0",
  "192.175.47.255",
  "192.175.49.0",
  "198.17.255.255",
  "198.20.0.0",
  "198.51.99.255",
  "198.51.101.0",
  "203.0.112.255",
  "203.0.114.0",
  "223.255.255.255",
];

const IPV6_SPECIAL: readonly Row[] = [
  ["::1/128 loopback", "::1", "::1", /IPv6 loopback/],
  ["::/128 unspecified", "::", "::", /unspecified/],
  ["::/96 IPv4-compatible (deprecated)", "::0.0.0.2", "::255.255.255.255", /IPv4-compatible/],
  ["100::/64 discard-only", "100::", "100::ffff:ffff:ffff:ffff", /discard/],
  ["100:0:0:1::/64 dummy IPv6 prefix", "100:0:0:1::", "100:0:0:1:ffff:ffff:ffff:ffff", /outside the global/],
  ["64:ff9b:1::/48 local-use NAT64", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", /local-use NAT64/],
  ["2001::/23 IETF protocol assignments", "2001:100::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", /reserved/],
  ["2001::/32 Teredo", "2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", /Teredo/],
  ["2001:1::1/128 PCP anycast", "2001:1::1", "2001:1::1", /reserved/],
  ["2001:1::2/128 TURN anycast", "2001:1::2", "2001:1::2", /reserved/],
  ["2001:1::3/128 DNS-SD SRP anycast", "2001:1::3", "2001:1::3", /reserved/],
  ["2001:2::/48 benchmarking", "2001:2::", "2001:2:0:ffff:ffff:ffff:ffff:ffff", /benchmarking/],
  ["2001:3::/32 AMT", "2001:3::", "2001:3:ffff:ffff:ffff:ffff:ffff:ffff", /AMT/],
  ["2001:4:112::/48 AS112-v6", "2001:4:112::", "2001:4:112:ffff:ffff:ffff:ffff:ffff", /AS112/],
  ["2001:10::/28 deprecated ORCHID", "2001:10::", "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", /ORCHID/],
  ["2001:20::/28 ORCHIDv2", "2001:20::", "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", /ORCHIDv2/],
  ["2001:30::/28 DRIP entity tags", "2001:30::", "2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", /DRIP/],
  ["2001:db8::/32 documentation", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", /documentation/],
  [
    "2620:4f:8000::/48 direct delegation AS112",
    "2620:4f:8000::",
    "2620:4f:8000:ffff:ffff:ffff:ffff:ffff",
    /AS112/,
  ],
  ["3fff::/20 documentation", "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", /documentation/],
  ["5f00::/16 SRv6 SIDs", "5f00::", "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", /SRv6/],
  ["fc00::/7 unique-local", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", /unique-local/],
  ["fe80::/10 link-local", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", /link-local/],
  ["fec0::/10 site-local (deprecated)", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", /site-local/],
  ["ff00::/8 multicast", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", /multicast/],
  ["4000::/2 unassigned", "4000::", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", /outside the global/],
];

const IPV6_JUST_OUTSIDE = [
  "2001:200::",
  "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
  "2001:db9::",
  "2003::",
  "2600::1",
  "2620:4f:7fff:ffff:ffff:ffff:ffff:ffff",
  "2620:4f:8001::",
  "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  "3fff:1000::",
];

/** The IPv6 forms that carry an IPv4 address, each spelled for a given dotted address. */
const CARRIERS: readonly (readonly [form: string, spell: (dotted: string) => string, reason: RegExp])[] = [
  ["IPv4-mapped ::ffff:0:0/96", (v4) => `::ffff:${v4}`, /IPv4-mapped/],
  ["IPv4-translated ::ffff:0:0:0/96", (v4) => `::ffff:0:${v4}`, /IPv4-translated/],
  ["NAT64 well-known prefix 64:ff9b::/96", (v4) => `64:ff9b::${v4}`, /NAT64/],
  ["6to4 2002::/16", (v4) => `2002:${hexPair(v4)}::1`, /6to4/],
];

function hexPair(dotted: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split(".").map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

describe("IPv4 special-purpose ranges", () => {
  it.each(IPV4_SPECIAL)("refuses %s from its first to its last address", (_range, first, last, reason) => {
    expect(verdict(first)).toMatch(reason);
    expect(verdict(last)).toMatch(reason);
  });

  it.each(IPV4_JUST_OUTSIDE)("lets %s, just outside a special range, through", (address) => {
    expect(verdict(address)).toBeNull();
  });
});

describe("IPv6 special-purpose ranges", () => {
  it.each(IPV6_SPECIAL)("refuses %s from its first to its last address", (_range, first, last, reason) => {
    expect(verdict(first)).toMatch(reason);
    expect(verdict(last)).toMatch(reason);
  });

  it.each(IPV6_JUST_OUTSIDE)("lets %s, global unicast outside every special range, through", (address) => {
    expect(verdict(address)).toBeNull();
  });
});

describe("IPv6 forms that carry an IPv4 address are judged by that address", () => {
  it.each(CARRIERS)("refuses %s around loopback, metadata and private addresses", (_form, spell, reason) => {
    expect(verdict(spell("127.0.0.1"))).toMatch(reason);
    expect(verdict(spell("127.0.0.1"))).toMatch(/of 127\.0\.0\.1, a loopback address/);
    expect(verdict(spell("169.254.169.254"))).toMatch(/169\.254\.169\.254, a link-local address/);
    expect(verdict(spell("10.0.0.1"))).toMatch(/10\.0\.0\.1, a private address/);
    expect(verdict(spell("192.0.2.1"))).toMatch(/reserved/);
  });

  it.each(CARRIERS)("lets %s around a public address through", (_form, spell) => {
    expect(verdict(spell("8.8.8.8"))).toBeNull();
  });

  it.each([
    ["Teredo with server 127.0.0.1", "2001:0:7f00:1::"],
    ["Teredo with client 127.0.0.1 (obfuscated as 80ff:fffe)", "2001:0:4136:e378:8000:63bf:80ff:fffe"],
    ["Teredo with public server and client", "2001:0:808:808:8000:63bf:f7f7:f7f7"],
    ["local-use NAT64 around 127.0.0.1", "64:ff9b:1::7f00:1"],
    ["local-use NAT64 around a public address", "64:ff9b:1::808:808"],
    ["IPv4-compatible around 127.0.0.1, dotted", "::127.0.0.1"],
    ["IPv4-compatible around 127.0.0.1, in hex", "::7f00:1"],
    ["IPv4-compatible around a public address", "::8.8.8.8"],
  ])("refuses %s, whose destination cannot be judged from the address", (_case, address) => {
    expect(verdict(address)).not.toBeNull();
  });
});

describe("reading addresses", () => {
  it("reads a dotted IPv4 tail as the two groups it stands for, not as an IPv4-mapped address", () => {
    expect(parseIpLiteral("::127.0.0.1")?.toString()).toBe("::7f00:1");
    expect(parseIpLiteral("::ffff:127.0.0.1")?.toString()).toBe("::ffff:7f00:1");
  });

  it.each(["::1.2.3", "::256.0.0.1", "::0x7f.0.0.1", "1:2:3:4:5:6:7:8:9", "::ffff::1", "fe80::g"])(
    "does not take %s for an IPv6 address",
    (text) => {
      expect(parseIpLiteral(text)).toBeNull();
    },
  );
});
