/**
 * IP addresses and networks as bytes: parsing the text forms (dotted IPv4,
 * IPv6 with `::` and an IPv4 tail), printing them the way the sockets do
 * (RFC 5952: lowercase, longest zero run as `::`; an IPv4-mapped IPv6
 * address as plain IPv4, as `plainAddress` does), and matching an address
 * against `proxy_from` networks (`10.0.0.0/8`, `2001:db8::/32`, or one
 * address).
 */

/** An address as bytes: 4 (IPv4) or 16 (IPv6). */
export type IpBytes = Uint8Array;

/** Parses a dotted IPv4 or an IPv6 address; null when it is neither. */
export function parseIp(text: string): IpBytes | null {
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): IpBytes | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (const [index, part] of parts.entries()) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    bytes[index] = Number(part);
  }
  return bytes;
}

function parseIpv6(text: string): IpBytes | null {
  if (text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (const [index, part] of parts.entries()) {
      if (index === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** The text form of an address, as the server's sockets and logs show it. */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return [...bytes].join(".");
  if (bytes.length !== 16) throw new RangeError(`Not an IP address: ${bytes.length} bytes`);
  if (
    bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff
  ) {
    return [...bytes.subarray(12)].join("."); // IPv4-mapped: the client is an IPv4 one.
  }
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[i * 2]! << 8) | bytes[i * 2 + 1]!);
  let bestStart = -1;
  let bestLength = 1; // A single zero group is not shortened (RFC 5952 4.2.2).
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** A network: an address and how many leading bits must match. */
export interface IpNetwork {
  bytes: IpBytes;
  prefix: number;
}

/** Parses `ADDRESS` or `ADDRESS/PREFIX`; throws a RangeError saying what is wrong. */
export function parseNetwork(text: string): IpNetwork {
  const [address, prefixText, extra] = text.split("/");
  const bytes = parseIp(address ?? "");
  if (!bytes || extra !== undefined) {
    throw new RangeError(`"${text}" is not an IP address or network (like 10.0.0.0/8)`);
  }
  const bits = bytes.length * 8;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefixText !== undefined && (!/^\d{1,3}$/.test(prefixText) || prefix > bits)) {
    throw new RangeError(`"${text}": the prefix length must be 0 to ${bits}`);
  }
  return { bytes: mapped(bytes) ?? bytes, prefix: mapped(bytes) ? prefix - 96 : prefix };
}

/** Whether `address` (text) lies in one of `networks`. */
export function inNetworks(address: string, networks: readonly IpNetwork[]): boolean {
  const parsed = parseIp(address);
  if (!parsed) return false;
  const bytes = mapped(parsed) ?? parsed;
  return networks.some((network) => contains(network, bytes));
}

function contains(network: IpNetwork, bytes: IpBytes): boolean {
  if (network.bytes.length !== bytes.length || network.prefix < 0) return false;
  const whole = Math.floor(network.prefix / 8);
  for (let i = 0; i < whole; i++) if (network.bytes[i] !== bytes[i]) return false;
  const rest = network.prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (network.bytes[whole]! & mask) === (bytes[whole]! & mask);
}

/** The IPv4 address inside an IPv4-mapped IPv6 one, else null. */
function mapped(bytes: IpBytes): IpBytes | null {
  if (bytes.length !== 16) return null;
  if (!bytes.subarray(0, 10).every((byte) => byte === 0)) return null;
  return bytes[10] === 0xff && bytes[11] === 0xff ? bytes.slice(12) : null;
}
