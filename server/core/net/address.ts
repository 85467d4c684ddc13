/**
 * Client addresses in one form for both protocols. A dual-stack (IPv6)
 * socket reports an IPv4 client as `::ffff:192.0.2.1`; per-address limits,
 * bans and logs must know it as `192.0.2.1`, whichever socket it reached.
 */

/** Strips the IPv4-mapped prefix: `::ffff:127.0.0.1` becomes `127.0.0.1`. */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** `host:port` as a user types it back: an IPv6 address in brackets (`[::1]:2121`). */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
