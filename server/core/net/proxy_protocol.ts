/**
 * The PROXY protocol (versions 1 and 2, haproxy.org/download/2.9/doc/proxy-protocol.txt)
 * on the server side: a load balancer in front (HAProxy `send-proxy` /
 * `send-proxy-v2`) opens each connection with a header naming the real
 * client, and the server then counts limits, bans and logs against that
 * address.
 *
 * The header is read exactly: never a byte past it, so what the client sent
 * next (a request frame, nothing at all for FTP) is left for the session. A
 * header that is malformed, longer than the protocol allows, cut short by
 * the connection closing, or absent is an error: the connection is closed.
 * Whether a peer may send one at all is decided before (`proxy_from`,
 * {@linkcode ProxyTrust}).
 */

import { formatIp, inNetworks, type IpNetwork, parseIp } from "./ip.ts";

/** Longest version 1 header, CR LF included (the protocol's own limit). */
export const V1_MAX_BYTES = 107;
/**
 * Longest version 2 address block accepted (16 byte header not counted):
 * room for IPv6 addresses and any TLVs a balancer adds (HAProxy's SSL and
 * unique-id ones are far smaller); the protocol allows 65535.
 */
export const V2_MAX_BODY_BYTES = 1024;

/** The version 2 signature: the first 12 bytes. */
export const V2_SIGNATURE = new Uint8Array([
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
]);

/** One end of a proxied connection. */
export interface ProxyEndpoint {
  address: string;
  port: number;
}

/** What a header said. */
export type ProxyHeader =
  /** A client's connection: its address, and the address it connected to (the balancer's). */
  | { proxied: true; version: 1 | 2; source: ProxyEndpoint; destination: ProxyEndpoint }
  /**
   * The balancer's own connection (a v2 LOCAL health check, v1 UNKNOWN, an
   * address family other than TCP over IP): the socket's addresses stand.
   */
  | { proxied: false; version: 1 | 2 };

/** A header that is missing, malformed, too long or cut short; the message is safe to log. */
export class ProxyHeaderError extends Error {
  /** Creates a header error. */
  constructor(message: string) {
    super(message);
    this.name = "ProxyHeaderError";
  }
}

/** What the header is read from: exactly the bytes asked for are consumed. */
export interface ProxySource {
  read(buffer: Uint8Array): Promise<number | null>;
}

/**
 * Reads one PROXY header (v1 or v2) from the start of a connection, within
 * `timeoutMs`; never reads past its end.
 *
 * @throws {ProxyHeaderError} when there is no valid header
 */
export async function readProxyHeader(
  source: ProxySource,
  timeoutMs: number,
): Promise<ProxyHeader> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProxyHeaderError(`no PROXY header within ${timeoutMs / 1000}s`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([readHeader(source), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readHeader(source: ProxySource): Promise<ProxyHeader> {
  // 12 bytes are part of any header: the v2 signature, or the start of the shortest v1 line
  // ("PROXY UNKNOWN\r\n", 15).
  const start = await readExact(source, 12);
  if (equalBytes(start, V2_SIGNATURE)) {
    const fixed = await readExact(source, 4);
    const length = (fixed[2]! << 8) | fixed[3]!;
    if (length > V2_MAX_BODY_BYTES) {
      throw new ProxyHeaderError(`PROXY v2 header too long (${length} bytes of addresses)`);
    }
    return parseV2(fixed, await readExact(source, length));
  }
  if (ascii(start.subarray(0, 6)) === "PROXY ") return parseV1(await readV1Line(source, start));
  throw new ProxyHeaderError("no PROXY header (the connection did not start with one)");
}

/** Reads the rest of a v1 line, never past its CR LF. */
async function readV1Line(source: ProxySource, start: Uint8Array): Promise<string> {
  const line = [...start];
  while (!(line.at(-2) === 0x0d && line.at(-1) === 0x0a)) {
    // After a CR only its LF can end the line: ask for 1 byte; otherwise 2 (CR LF) are still due.
    const want = line.at(-1) === 0x0d ? 1 : 2;
    if (line.length + want > V1_MAX_BYTES) {
      throw new ProxyHeaderError(`PROXY v1 header longer than ${V1_MAX_BYTES} bytes`);
    }
    line.push(...await readExact(source, want));
  }
  const bytes = new Uint8Array(line);
  if (bytes.subarray(0, -2).some((byte) => byte < 0x20 || byte > 0x7e)) {
    throw new ProxyHeaderError("malformed PROXY v1 header (bytes that are not printable ASCII)");
  }
  return ascii(bytes.subarray(0, -2));
}

/** Parses a v1 line without its CR LF: `PROXY TCP4 SRC DST SPORT DPORT`, or `PROXY UNKNOWN ...`. */
export function parseV1(line: string): ProxyHeader {
  const fields = line.split(" ");
  if (fields[0] !== "PROXY") throw malformed(1, "it must start with PROXY");
  if (fields[1] === "UNKNOWN") return { proxied: false, version: 1 };
  if (fields.length !== 6 || (fields[1] !== "TCP4" && fields[1] !== "TCP6")) {
    throw malformed(1, "expected PROXY TCP4|TCP6 SOURCE DESTINATION SPORT DPORT");
  }
  const length = fields[1] === "TCP4" ? 4 : 16;
  const source = parseIp(fields[2]!);
  const destination = parseIp(fields[3]!);
  if (source?.length !== length || destination?.length !== length) {
    throw malformed(1, `addresses that are not ${fields[1] === "TCP4" ? "IPv4" : "IPv6"}`);
  }
  return {
    proxied: true,
    version: 1,
    source: { address: formatIp(source), port: v1Port(fields[4]!) },
    destination: { address: formatIp(destination), port: v1Port(fields[5]!) },
  };
}

function v1Port(text: string): number {
  if (!/^(0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) throw malformed(1, "a bad port");
  return Number(text);
}

/** Parses the v2 bytes after the signature: version and command, family, length, addresses. */
export function parseV2(fixed: Uint8Array, body: Uint8Array): ProxyHeader {
  const version = fixed[0]! >> 4;
  const command = fixed[0]! & 0x0f;
  if (version !== 2) throw malformed(2, `version ${version}`);
  if (command === 0x0) return { proxied: false, version: 2 }; // LOCAL: the balancer's own.
  if (command !== 0x1) throw malformed(2, `unknown command ${command}`);
  const family = fixed[1]! >> 4;
  const transport = fixed[1]! & 0x0f;
  if (transport === 0x2) throw malformed(2, "a datagram (UDP) connection");
  if (family === 0x0 || family === 0x3 || transport === 0x0) {
    return { proxied: false, version: 2 }; // Unspecified or UNIX: the socket's addresses stand.
  }
  if (transport !== 0x1 || (family !== 0x1 && family !== 0x2)) {
    throw malformed(2, `unknown address family ${fixed[1]}`);
  }
  const size = family === 0x1 ? 4 : 16;
  if (body.length < size * 2 + 4) throw malformed(2, "addresses longer than the header");
  const port = (at: number) => (body[at]! << 8) | body[at + 1]!;
  return {
    proxied: true,
    version: 2,
    source: { address: formatIp(body.slice(0, size)), port: port(size * 2) },
    destination: { address: formatIp(body.slice(size, size * 2)), port: port(size * 2 + 2) },
  };
}

function malformed(version: 1 | 2, why: string): ProxyHeaderError {
  return new ProxyHeaderError(`malformed PROXY v${version} header: ${why}`);
}

async function readExact(source: ProxySource, count: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(count);
  let filled = 0;
  while (filled < count) {
    const read = await source.read(buffer.subarray(filled));
    if (read === null) {
      throw new ProxyHeaderError(
        filled === 0 && count === 12
          ? "connection closed before a PROXY header"
          : "connection closed in the middle of the PROXY header",
      );
    }
    filled += read;
  }
  return buffer;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** Which peers may open with a PROXY header (`proxy_protocol`, `proxy_from`). */
export interface ProxyTrust {
  /** Networks of the balancers. */
  from: readonly IpNetwork[];
  /** Seconds the header may take (`header_timeout`). */
  timeoutMs: number;
}

/** The client a connection is for: the socket's peer, or the one its PROXY header names. */
export interface ClientOrigin {
  /** The client's address and port (what limits, bans and logs use). */
  client: ProxyEndpoint;
  /** The address the client connected to (a balancer's, when proxied). */
  reached: ProxyEndpoint;
  /** The balancer's address, when the connection came through one. */
  via: string | null;
}

/**
 * Where a connection on a PROXY listener comes from: only a `proxy_from`
 * peer is heard, and it must open with a valid header.
 *
 * @throws {ProxyHeaderError} for any other peer, or a missing or bad header
 */
export async function originThroughProxy(
  source: ProxySource,
  socket: { peer: ProxyEndpoint; local: ProxyEndpoint },
  trust: ProxyTrust,
): Promise<ClientOrigin> {
  if (!inNetworks(socket.peer.address, trust.from)) {
    throw new ProxyHeaderError(
      `connection from ${socket.peer.address}, not a proxy_from address, on a PROXY protocol listener`,
    );
  }
  const header = await readProxyHeader(source, trust.timeoutMs);
  if (!header.proxied) return { client: socket.peer, reached: socket.local, via: null };
  return { client: header.source, reached: header.destination, via: socket.peer.address };
}
