import assert from "node:assert/strict";
import { PacketLengthError, PacketReader } from "./packet_reader.ts";

function framed(...payloads: number[][]): Uint8Array {
  const parts = payloads.flatMap((p) => [
    (p.length >>> 24) & 255,
    (p.length >>> 16) & 255,
    (p.length >>> 8) & 255,
    p.length & 255,
    ...p,
  ]);
  return new Uint8Array(parts);
}

Deno.test("PacketReader splits packets however the chunks fall, byte by byte included", () => {
  const stream = framed([1, 2, 3], [4], [5, 6, 7, 8, 9]);
  for (const size of [1, 2, 3, 5, 7, stream.length]) {
    const reader = new PacketReader(100);
    const out: number[][] = [];
    for (let i = 0; i < stream.length; i += size) {
      for (const packet of reader.push(stream.subarray(i, i + size))) out.push([...packet]);
    }
    assert.deepEqual(out, [[1, 2, 3], [4], [5, 6, 7, 8, 9]], `chunks of ${size}`);
    assert.ok(reader.idle);
  }
});

Deno.test("PacketReader refuses a length over the cap from its prefix alone, and a zero length", () => {
  const reader = new PacketReader(1000);
  // Only the 4-byte prefix of a 4 GiB packet: refused before anything is allocated.
  assert.throws(() => reader.push(new Uint8Array([0xff, 0xff, 0xff, 0xff])), PacketLengthError);
  assert.throws(() => new PacketReader(1000).push(new Uint8Array([0, 0, 3, 233])), {
    message: "SFTP packet of 1001 bytes, over the 1000-byte limit",
  });
  assert.throws(() => new PacketReader(1000).push(new Uint8Array([0, 0, 0, 0])), {
    message: "SFTP packet of length 0",
  });
  const atCap = new PacketReader(1000);
  assert.deepEqual(atCap.push(new Uint8Array([0, 0, 3, 232])), []);
  assert.equal(atCap.idle, false, "a packet is being gathered");
});
