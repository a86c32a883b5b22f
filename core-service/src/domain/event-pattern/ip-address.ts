/**
 * Just enough IP parsing for `cidr` matching: addresses become integers so that membership in a block is a
 * mask and a compare. Written here rather than taken from `node:net` to keep the domain free of runtime I/O
 * modules.
 */

export interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

export interface CidrBlock {
  readonly version: 4 | 6;
  readonly network: bigint;
  readonly mask: bigint;
}

const IPV4_OCTET = /^(0|[1-9]\d{0,2})$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;

export function parseIpv4(text: string): bigint | undefined {
  const octets = text.split(".");
  if (octets.length !== 4) return undefined;
  let value = 0n;
  for (const octet of octets) {
    if (!IPV4_OCTET.test(octet) || Number(octet) > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6Groups(groups: readonly string[], endsAddress: boolean): bigint[] | undefined {
  const words: bigint[] = [];
  for (const [index, group] of groups.entries()) {
    const isLast = index === groups.length - 1;
    if (endsAddress && isLast && group.includes(".")) {
      const embedded = parseIpv4(group);
      if (embedded === undefined) return undefined;
      words.push(embedded >> 16n, embedded & 0xffffn);
    } else if (IPV6_GROUP.test(group)) {
      words.push(BigInt(`0x${group}`));
    } else {
      return undefined;
    }
  }
  return words;
}

export function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const [head = "", tail] = halves;
  const headWords = parseIpv6Groups(head === "" ? [] : head.split(":"), tail === undefined);
  const tailWords = parseIpv6Groups(tail === undefined || tail === "" ? [] : tail.split(":"), true);
  if (headWords === undefined || tailWords === undefined) return undefined;
  const missing = 8 - headWords.length - tailWords.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const words = [...headWords, ...Array<bigint>(tail === undefined ? 0 : missing).fill(0n), ...tailWords];
  return words.reduce((value, word) => (value << 16n) | word, 0n);
}

export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = text.includes(":") ? parseIpv6(text) : undefined;
  return v6 === undefined ? undefined : { version: 6, value: v6 };
}

/** Parses `10.0.0.0/24` or `2001:db8::/32`; host bits set in the address are ignored, as a router would. */
export function parseCidr(text: string): CidrBlock | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const address = parseIpAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const bits = address.version === 4 ? 32 : 128;
  const prefixLength = Number(prefixText);
  if (prefixLength > bits) return undefined;
  const all = (1n << BigInt(bits)) - 1n;
  const mask = all ^ ((1n << BigInt(bits - prefixLength)) - 1n);
  return { version: address.version, network: address.value & mask, mask };
}

export function cidrContains(block: CidrBlock, address: IpAddress): boolean {
  return block.version === address.version && (address.value & block.mask) === block.network;
}
