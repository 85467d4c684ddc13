import assert from "node:assert/strict";
import { formatIp, inNetworks, parseIp, parseNetwork } from "./ip.ts";
import {
  originThroughProxy,
  type ProxyHeader,
  ProxyHeaderError,
  type ProxySource,
  readProxyHeader,
  V2_SIGNATURE,
} from "./proxy_protocol.ts";

const encoder = new TextEncoder();

/** Bytes as a connection delivers them, at most `chunk` per read; counts what was consumed. */
class Bytes implements ProxySource {
  consumed = 0;
  readonly #data: Uint8Array;
  readonly #chunk: number;
  constructor(data: Uint8Array | string, chunk = Infinity) {
    this.#data = typeof data === "string" ? encoder.encode(data) : data;
    this.#chunk = chunk;
  }
  read(buffer: Uint8Array): Promise<number | null> {
    if (this.consumed >= this.#data.length) return Promise.resolve(null);
    const count = Math.min(buffer.length, this.#chunk, this.#data.length - this.consumed);
    buffer.set(this.#data.subarray(this.consumed, this.consumed + count));
    this.consumed += count;
    return Promise.resolve(count);
  }
}

/** A v2 header: command, family byte, address block. */
function v2(command: number, family: number, body: number[]): Uint8Array {
  return new Uint8Array([
    ...V2_SIGNATURE,
    0x20 | command,
    family,
    body.length >> 8,
    body.length & 0xff,
    ...body,
  ]);
}

const V4_BODY = [192, 0, 2, 1, 203, 0, 113, 7, 0xdb, 0xd4, 0x08, 0x4a]; // :56276 -> :2122
const V6_BODY = [
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01],
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02],
  0x04,
  0xd2,
  0x08,
  0x4a,
];

async function read(data: Uint8Array | string, chunk?: number): Promise<ProxyHeader> {
  return await readProxyHeader(new Bytes(data, chunk), 1000);
}

async function refused(data: Uint8Array | string, message: RegExp): Promise<void> {
  await assert.rejects(() => read(data), (error) => {
    assert(error instanceof ProxyHeaderError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("PROXY v1: TCP4 and TCP6 lines, read to their CR LF and not a byte further", async () => {
  for (const chunk of [1, 3, 1000]) {
    const tcp4 = new Bytes("PROXY TCP4 192.0.2.1 203.0.113.7 56276 2122\r\nhello", chunk);
    assert.deepEqual(await readProxyHeader(tcp4, 1000), {
      proxied: true,
      version: 1,
      source: { address: "192.0.2.1", port: 56276 },
      destination: { address: "203.0.113.7", port: 2122 },
    });
    assert.equal(tcp4.consumed, 45, `chunk ${chunk}`);
  }
  assert.deepEqual(await read("PROXY TCP6 2001:DB8::1 2001:db8:0:0:0:0:0:2 1234 2122\r\n"), {
    proxied: true,
    version: 1,
    source: { address: "2001:db8::1", port: 1234 },
    destination: { address: "2001:db8::2", port: 2122 },
  });
  const unknown = new Bytes("PROXY UNKNOWN\r\nX");
  assert.deepEqual(await readProxyHeader(unknown, 1000), { proxied: false, version: 1 });
  assert.equal(unknown.consumed, 15);
  assert.deepEqual(await read("PROXY UNKNOWN ffff:f::1 ::1 1 2\r\n"), {
    proxied: false,
    version: 1,
  });
});

Deno.test("PROXY v2: IPv4 and IPv6, TLVs skipped, LOCAL and UNSPEC keep the socket's addresses", async () => {
  for (const chunk of [1, 5, 1000]) {
    const source = new Bytes(new Uint8Array([...v2(1, 0x11, V4_BODY), 0x41, 0x42]), chunk);
    assert.deepEqual(await readProxyHeader(source, 1000), {
      proxied: true,
      version: 2,
      source: { address: "192.0.2.1", port: 56276 },
      destination: { address: "203.0.113.7", port: 2122 },
    });
    assert.equal(source.consumed, 28, `chunk ${chunk}`);
  }
  assert.deepEqual(await read(v2(1, 0x21, V6_BODY)), {
    proxied: true,
    version: 2,
    source: { address: "2001:db8::1", port: 1234 },
    destination: { address: "2001:db8::2", port: 2122 },
  });
  // A TLV after the addresses (PP2_TYPE_UNIQUE_ID, 4 bytes) is read past, not parsed.
  const withTlv = new Bytes(
    new Uint8Array([...v2(1, 0x11, [...V4_BODY, 0x05, 0x00, 0x04, 1, 2, 3, 4]), 0x99]),
  );
  assert.equal(((await readProxyHeader(withTlv, 1000)) as { proxied: true }).proxied, true);
  assert.equal(withTlv.consumed, 16 + 12 + 7);
  // An IPv4-mapped IPv6 client is an IPv4 client.
  const mapped = [...V6_BODY];
  mapped.splice(0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 9);
  const header = await read(v2(1, 0x21, mapped));
  assert.equal(header.proxied && header.source.address, "198.51.100.9");
  assert.deepEqual(await read(v2(0, 0x00, [])), { proxied: false, version: 2 });
  assert.deepEqual(await read(v2(0, 0x11, V4_BODY)), { proxied: false, version: 2 });
  assert.deepEqual(await read(v2(1, 0x00, [])), { proxied: false, version: 2 });
  assert.deepEqual(await read(v2(1, 0x31, new Array(216).fill(0))), {
    proxied: false,
    version: 2,
  });
});

Deno.test("PROXY headers that are truncated, over-long, garbage or missing are refused", async () => {
  await refused("", /closed before a PROXY header/);
  await refused("PROXY TCP4 192.0.2.1", /closed in the middle/);
  await refused(v2(1, 0x11, V4_BODY).subarray(0, 20), /closed in the middle/);
  await refused(v2(1, 0x11, V4_BODY).subarray(0, 14), /closed in the middle/);
  await refused(`PROXY TCP4 ${"1".repeat(120)}\r\n`, /longer than 107 bytes/);
  await refused("PROXY TCP4 192.0.2.1 203.0.113.7 56276 2122", /closed in the middle/);
  const long = v2(1, 0x11, V4_BODY);
  long[14] = 0x04; // 1024 + 12 bytes of addresses
  await refused(long, /too long \(1036 bytes/);
  await refused("SSH-2.0-OpenSSH_9.6\r\n", /no PROXY header/);
  await refused(encoder.encode('{"op":"hello","version":1}'), /no PROXY header/);
  for (
    const line of [
      "PROXY TCP4 192.0.2.1 203.0.113.7 56276\r\n",
      "PROXY TCP4 192.0.2.1 203.0.113.7 56276 2122 9\r\n",
      "PROXY TCP5 192.0.2.1 203.0.113.7 1 2\r\n",
      "PROXY TCP4 192.0.2.256 203.0.113.7 1 2\r\n",
      "PROXY TCP4 2001:db8::1 203.0.113.7 1 2\r\n",
      "PROXY TCP6 192.0.2.1 2001:db8::1 1 2\r\n",
      "PROXY TCP4 192.0.2.1 203.0.113.7 65536 2\r\n",
      "PROXY TCP4 192.0.2.1 203.0.113.7 01 2\r\n",
      "PROXY TCP4 192.0.2.1  203.0.113.7 1 2\r\n",
      "PROXY TCP4 192.0.2.1 203.0.113.7 1 2\n\r\n",
      "PROXY TCP4 192.0.2.1 203.0.113.7 1 \u00e92\r\n",
    ]
  ) await refused(line, /malformed PROXY v1 header/);
  await refused(
    new Uint8Array([...v2(1, 0x11, V4_BODY)].map((b, i) => i === 12 ? 0x31 : b)),
    /v2.*version 3/,
  );
  await refused(v2(2, 0x11, V4_BODY), /unknown command 2/);
  await refused(v2(1, 0x12, V4_BODY), /datagram/);
  await refused(v2(1, 0x21, V4_BODY), /addresses longer than the header/);
  await refused(v2(1, 0x41, V4_BODY), /unknown address family/);
});

Deno.test("PROXY: a header that never comes times out", async () => {
  const silent: ProxySource = { read: () => new Promise(() => {}) };
  await assert.rejects(() => readProxyHeader(silent, 50), /no PROXY header within 0\.05s/);
});

Deno.test("PROXY: only proxy_from peers are heard; the header's client is the one served", async () => {
  const trust = { from: [parseNetwork("10.1.0.0/16"), parseNetwork("::1")], timeoutMs: 1000 };
  const socket = {
    peer: { address: "10.1.2.3", port: 40000 },
    local: { address: "10.1.0.1", port: 2121 },
  };
  assert.deepEqual(
    await originThroughProxy(
      new Bytes("PROXY TCP4 192.0.2.1 203.0.113.7 56276 2122\r\n"),
      socket,
      trust,
    ),
    {
      client: { address: "192.0.2.1", port: 56276 },
      reached: { address: "203.0.113.7", port: 2122 },
      via: "10.1.2.3",
    },
  );
  // A health check (LOCAL) is the balancer itself.
  assert.deepEqual(await originThroughProxy(new Bytes(v2(0, 0, [])), socket, trust), {
    client: socket.peer,
    reached: socket.local,
    via: null,
  });
  const untrusted = new Bytes("PROXY TCP4 192.0.2.1 203.0.113.7 56276 2122\r\n");
  await assert.rejects(
    () =>
      originThroughProxy(untrusted, { ...socket, peer: { address: "10.2.0.1", port: 1 } }, trust),
    /connection from 10\.2\.0\.1, not a proxy_from address/,
  );
  assert.equal(untrusted.consumed, 0, "nothing is read from a peer that is not trusted");
});

Deno.test("IP addresses and networks: parsing, RFC 5952 printing, matching", () => {
  assert.equal(formatIp(parseIp("2001:0DB8:0000:0000:0001:0000:0000:0001")!), "2001:db8::1:0:0:1");
  assert.equal(formatIp(parseIp("::")!), "::");
  assert.equal(formatIp(parseIp("::1")!), "::1");
  assert.equal(formatIp(parseIp("1::")!), "1::");
  assert.equal(formatIp(parseIp("1:0:2:3:4:5:6:7")!), "1:0:2:3:4:5:6:7");
  assert.equal(formatIp(parseIp("::ffff:192.0.2.1")!), "192.0.2.1");
  for (
    const bad of ["1.2.3", "1.2.3.4.5", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", "g::1", ""]
  ) {
    assert.equal(parseIp(bad), null, bad);
  }
  const networks = ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "172.16.0.0/12"].map(
    parseNetwork,
  );
  for (
    const inside of [
      "10.255.0.1",
      "192.168.1.7",
      "::ffff:10.1.1.1",
      "2001:db8:ffff::1",
      "172.31.0.1",
    ]
  ) {
    assert.equal(inNetworks(inside, networks), true, inside);
  }
  for (const outside of ["11.0.0.1", "192.168.1.8", "2001:db9::1", "172.32.0.1", "garbage"]) {
    assert.equal(inNetworks(outside, networks), false, outside);
  }
  assert.equal(inNetworks("203.0.113.9", [parseNetwork("0.0.0.0/0")]), true);
  assert.throws(() => parseNetwork("10.0.0.0/33"), /prefix length must be 0 to 32/);
  assert.throws(() => parseNetwork("example.com"), /not an IP address or network/);
});
