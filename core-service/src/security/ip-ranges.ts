/**
 * Which IP addresses avmon refuses to connect to, by ipaddr.js's classification of the IANA special-purpose
 * registries (IPv4 and IPv6) rather than a hand-kept list. The rule: only ordinary unicast addresses pass.
 * Every special-purpose range is refused, even the few IANA marks globally reachable (PCP/TURN anycast, AS112
 * sinks, AMT relays, ORCHIDv2, DRIP), since no media origin or webhook receiver lives there. IPv6 forms that
 * carry an IPv4 address the network delivers to (IPv4-mapped, IPv4-translated, the NAT64 well-known prefix,
 * 6to4) are judged by that IPv4 address; forms whose real destination cannot be read off the address (Teredo,
 * the local-use NAT64 prefix, the deprecated IPv4-compatible form) are refused outright.
 *
 * Pure: parsing and classification only.
 */
import ipaddr from "ipaddr.js";

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an IP literal in any spelling a URL parser or inet_aton accepts (`127.1`, `0x7f000001`, `0177.0.0.1`,
 * `2130706433`, `[::ffff:127.0.0.1]`, `fe80::1%eth0`); null when the text is a host name or malformed.
 */
export function parseIpLiteral(text: string): IpAddress | null {
  const host = text.replace(/^\[|\]$/g, "");
  return host.includes(":") ? parseIpv6(host) : parseIpv4Address(host);
}

/** The 32-bit value of an IPv4 literal in any inet_aton spelling, or null. */
export function parseIpv4(text: string): number | null {
  const ip = parseIpv4Address(text);
  return ip ? ip.octets.reduce((value, octet) => value * 256 + octet, 0) : null;
}

function parseIpv4Address(text: string): ipaddr.IPv4 | null {
  // A URL parser and the resolver both take one trailing dot (a fully qualified name) as part of an address.
  const host = text.replace(/\.$/, "");
  return ipaddr.IPv4.isValid(host) ? ipaddr.IPv4.parse(host) : null;
}

/** Eight 16-bit groups; accepts `::`, a trailing dotted IPv4 part and a zone id (`%eth0`). */
export function parseIpv6(text: string): ipaddr.IPv6 | null {
  const address = hexTail(text);
  return address !== null && ipaddr.IPv6.isValid(address) ? ipaddr.IPv6.parse(address) : null;
}

/**
 * Rewrites a dotted IPv4 tail (`::127.0.0.1`) as two hex groups (`::7f00:1`), which is what it means in IPv6
 * (RFC 4291 §2.2); null unless the tail is four decimal parts, as URL parsers and inet_pton require.
 * ipaddr.js alone would read `::a.b.c.d` as `::ffff:a.b.c.d`, a different address, and take hex parts.
 */
function hexTail(text: string): string | null {
  const [address = "", zone] = text.split("%", 2);
  const match = /^(.*:)([^:]*\.[^:]*)$/.exec(address);
  if (!match) return text;
  const [, head = "", dotted = ""] = match;
  if (!ipaddr.IPv4.isValidFourPartDecimal(dotted)) return null;
  const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(dotted).octets;
  const tail = `${head}${(a * 256 + b).toString(16)}:${(c * 256 + d).toString(16)}`;
  return zone === undefined ? tail : `${tail}%${zone}`;
}

/** Why an address is refused, or null when it is an ordinary unicast address. */
export function refusedRange(ip: IpAddress): string | null {
  return ip.kind() === "ipv4" ? refusedV4(ip as ipaddr.IPv4) : refusedV6(ip as ipaddr.IPv6);
}

// Keyed by ipaddr.js range name; a range it names that is missing here is refused under its own name.
const V4_REASONS: Readonly<Record<string, string>> = {
  unspecified: "'this network' (0.0.0.0/8)",
  broadcast: "the limited broadcast address (reserved)",
  multicast: "a multicast address (224/4)",
  linkLocal: "a link-local address (169.254/16: instance and ECS task metadata live here)",
  loopback: "a loopback address (127/8)",
  carrierGradeNat: "a carrier-grade NAT address (100.64/10)",
  private: "a private address (10/8, 172.16/12, 192.168/16)",
  reserved: "a reserved address (IETF protocol, documentation, benchmarking, 6to4 relay or 240/4)",
  benchmarking: "a benchmarking address (198.18/15)",
  as112: "an AS112 DNS sink address",
  amt: "an AMT relay anycast address",
};

const V6_REASONS: Readonly<Record<string, string>> = {
  unspecified: "the unspecified IPv6 address",
  loopback: "the IPv6 loopback address",
  linkLocal: "an IPv6 link-local address (fe80::/10)",
  multicast: "an IPv6 multicast address (ff00::/8)",
  uniqueLocal: "an IPv6 unique-local address (fc00::/7)",
  deprecatedSiteLocal: "an IPv6 site-local address (fec0::/10)",
  discard: "an IPv6 discard-only address (100::/64)",
  teredo: "a Teredo address (2001::/32), whose real destination is a host behind NAT",
  benchmarking: "an IPv6 benchmarking address (2001:2::/48)",
  amt: "an IPv6 AMT relay address (2001:3::/32)",
  as112v6: "an IPv6 AS112 DNS sink address",
  deprecatedOrchid: "an ORCHID address (2001:10::/28)",
  orchid2: "an ORCHIDv2 address (2001:20::/28)",
  droneRemoteIdProtocolEntityTags: "a DRIP entity tag (2001:30::/28)",
  segmentRouting: "an SRv6 segment identifier (5f00::/16)",
  reserved: "a reserved or documentation IPv6 address (2001::/23, 2001:db8::/32, 3fff::/20)",
};

function refusedV4(ip: ipaddr.IPv4): string | null {
  const range = ip.range();
  if (range === "unicast") return null;
  return V4_REASONS[range] ?? `a special-purpose address (${range})`;
}

const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR("::/96");
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");

function refusedV6(ip: ipaddr.IPv6): string | null {
  const range = ip.range();
  const carried = carriedIpv4(ip, range);
  if (carried) {
    const why = refusedV4(carried.ipv4);
    return why ? `${carried.form} of ${carried.ipv4.toString()}, ${why}` : null;
  }
  if (range === "rfc6052") {
    return "a local-use NAT64 address (64:ff9b:1::/48), whose embedded IPv4 address depends on the network";
  }
  if (range === "unicast") {
    if (ip.match(IPV4_COMPATIBLE)) return "an IPv4-compatible IPv6 address (::/96, deprecated)";
    return ip.match(GLOBAL_UNICAST) ? null : "an IPv6 address outside the global unicast space (2000::/3)";
  }
  return V6_REASONS[range] ?? `a special-purpose IPv6 address (${range})`;
}

/** The IPv4 address an IPv6 address stands for when the network delivers it to that IPv4 address. */
function carriedIpv4(ip: ipaddr.IPv6, range: string): { form: string; ipv4: ipaddr.IPv4 } | undefined {
  const [, g1 = 0, g2 = 0, , , , g6 = 0, g7 = 0] = ip.parts;
  const low32 = () => fromGroups(g6, g7);
  if (range === "ipv4Mapped") return { form: "an IPv4-mapped IPv6 address", ipv4: low32() };
  if (range === "rfc6145") return { form: "an IPv4-translated IPv6 address", ipv4: low32() };
  if (range === "rfc6052" && ip.match(NAT64_WELL_KNOWN)) return { form: "a NAT64 address", ipv4: low32() };
  if (range === "6to4") return { form: "a 6to4 address", ipv4: fromGroups(g1, g2) };
  return undefined;
}

function fromGroups(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
