import { createHash } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";

/** Longest address kept verbatim in a throttling key; anything longer is not an IP address and is hashed. */
const MAX_VERBATIM_ADDRESS = 64;

/**
 * The network a client address stands for when counting login failures: IPv4 addresses as
 * they are, IPv6 addresses cut to their routing prefix (`/64` by default), IPv4-mapped IPv6
 * as IPv4. One IPv6 host usually owns a whole /64 and can pick a fresh address for every
 * request, so counting full IPv6 addresses would give it an unlimited number of tries.
 */
export function throttleAddressKey(address: string, ipv6PrefixLength = 64): string {
  const bare = address.replace(/%.*$/, "");
  if (isIPv4(bare)) return bare;
  if (isIPv6(bare)) {
    const groups = expandIPv6(bare);
    if (isIPv4Mapped(groups)) return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
    return `${maskIPv6(groups, ipv6PrefixLength)}/${ipv6PrefixLength}`;
  }
  // Not an IP address (a custom adapter's label): keep keys short whatever it sends.
  if (address.length <= MAX_VERBATIM_ADDRESS) return address;
  return `#${createHash("sha256").update(address).digest("base64url")}`;
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` and a dotted IPv4 tail expanded). */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function isIPv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

/** The first `prefixLength` bits of the address, written as eight lower-case hex groups. */
function maskIPv6(groups: readonly number[], prefixLength: number): string {
  return groups
    .map((group, index) => {
      const keep = Math.max(0, Math.min(16, prefixLength - index * 16));
      const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
      return (group & mask).toString(16);
    })
    .join(":");
}
