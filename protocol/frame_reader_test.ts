import assert from "node:assert/strict";
import { encodeFrame, FrameError } from "./frame.ts";
import { type ByteSource, FrameReader } from "./frame_reader.ts";
import { MAX_HEADER_BYTES } from "./limits.ts";
import { concatBytes } from "../tests/_data.ts";

/** A source that hands out `wire` in the given chunk sizes (cycled), then ends. */
function chunkedSource(wire: Uint8Array, chunkSizes: number[] = [wire.length]): ByteSource {
  let offset = 0;
  let turn = 0;
  return {
    read(buffer) {
      if (offset >= wire.length) return Promise.resolve(null);
      const size = Math.min(
        chunkSizes[turn++ % chunkSizes.length]!,
        buffer.length,
        wire.length - offset,
      );
      buffer.set(wire.subarray(offset, offset + size));
      offset += size;
      return Promise.resolve(size);
    },
  };
}

function prefix(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}

async function readAll(reader: FrameReader): Promise<{ header: unknown; body: number[] }[]> {
  const frames = [];
  while (true) {
    const header = await reader.readHeader();
    if (header === null) return frames;
    const body: number[] = [];
    const scratch = new Uint8Array(7);
    while (reader.bodyRemaining > 0) {
      const n = await reader.readBody(scratch);
      body.push(...scratch.subarray(0, n));
    }
    frames.push({ header, body });
  }
}

const FRAMES = [
  { header: { op: "hello", version: 1, note: "h\u00e9llo \u2713" }, body: [] },
  { header: { op: "put", body: 20 }, body: Array.from({ length: 20 }, (_, i) => i) },
  { header: { op: "ls", path: "/a b" }, body: [] },
];
const WIRE = concatBytes(
  ...FRAMES.flatMap(({ header, body }) => [encodeFrame(header), new Uint8Array(body)]),
);

Deno.test("frameReader() round-trips frames with and without bodies", async () => {
  assert.deepEqual(await readAll(new FrameReader(chunkedSource(WIRE))), FRAMES);
});

Deno.test("frameReader() reassembles frames split into one-byte reads", async () => {
  assert.deepEqual(await readAll(new FrameReader(chunkedSource(WIRE, [1]))), FRAMES);
});

Deno.test("frameReader() splits frames coalesced in uneven reads", async () => {
  for (const sizes of [[3, 5, 100], [17], [2, 1000]]) {
    assert.deepEqual(await readAll(new FrameReader(chunkedSource(WIRE, sizes))), FRAMES);
  }
});

Deno.test("frameReader() never reads a body past its announced end", async () => {
  const wire = concatBytes(
    encodeFrame({ body: 3 }),
    new Uint8Array([1, 2, 3]),
    encodeFrame({ op: "x" }),
  );
  const reader = new FrameReader(chunkedSource(wire));
  await reader.readHeader();
  const big = new Uint8Array(1000);
  assert.equal(await reader.readBody(big), 3);
  assert.equal(await reader.readBody(big), 0);
  assert.deepEqual(await reader.readHeader(), { op: "x" });
});

Deno.test("frameReader() rejects a header longer than the cap before reading it", async () => {
  let reads = 0;
  const source: ByteSource = {
    read(buffer) {
      reads++;
      buffer.set(prefix(MAX_HEADER_BYTES + 1));
      return Promise.resolve(4);
    },
  };
  await assert.rejects(new FrameReader(source).readHeader(), (error: unknown) => {
    assert.ok(error instanceof FrameError);
    assert.equal(error.code, "header_too_large");
    return true;
  });
  assert.equal(reads, 1);
});

Deno.test("frameReader() rejects a 2^32-1 header length and a lower configured cap", async () => {
  await assert.rejects(
    new FrameReader(chunkedSource(prefix(0xffffffff))).readHeader(),
    { name: "FrameError", code: "header_too_large" },
  );
  const small = new FrameReader(chunkedSource(encodeFrame({ op: "x".repeat(100) })), {
    maxHeaderBytes: 50,
  });
  await assert.rejects(small.readHeader(), { code: "header_too_large" });
});

Deno.test("frameReader() reports invalid JSON, non-objects and bad UTF-8 as frame errors", async () => {
  const cases: [Uint8Array, string][] = [
    [new TextEncoder().encode("{nope"), "bad_json"],
    [new TextEncoder().encode("[1,2]"), "not_an_object"],
    [new TextEncoder().encode("null"), "not_an_object"],
    [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "bad_json"],
  ];
  for (const [json, code] of cases) {
    const reader = new FrameReader(chunkedSource(concatBytes(prefix(json.length), json)));
    await assert.rejects(reader.readHeader(), { name: "FrameError", code });
  }
});

Deno.test("frameReader() stays in sync after a bad JSON header", async () => {
  const bad = new TextEncoder().encode("not json");
  const wire = concatBytes(prefix(bad.length), bad, encodeFrame({ op: "pwd" }));
  const reader = new FrameReader(chunkedSource(wire, [3]));
  await assert.rejects(reader.readHeader(), { code: "bad_json" });
  assert.deepEqual(await reader.readHeader(), { op: "pwd" });
});

Deno.test("frameReader() rejects invalid body lengths", async () => {
  for (const body of [-1, 1.5, "10", null, 2 ** 53, 2 ** 63]) {
    const json = new TextEncoder().encode(JSON.stringify({ op: "put", body }));
    const reader = new FrameReader(chunkedSource(concatBytes(prefix(json.length), json)));
    await assert.rejects(reader.readHeader(), { code: "bad_body_length" });
  }
});

Deno.test("frameReader() accepts a body length over 4 GiB without allocating it", async () => {
  const size = 5 * 2 ** 30;
  const reader = new FrameReader(
    chunkedSource(concatBytes(encodeFrame({ body: size }), new Uint8Array(10))),
  );
  await reader.readHeader();
  assert.equal(reader.bodyRemaining, size);
  assert.equal(await reader.readBody(new Uint8Array(64)), 10);
  await assert.rejects(reader.readBody(new Uint8Array(64)), { code: "truncated" });
});

Deno.test("frameReader() tells a clean end from a truncated frame", async () => {
  assert.equal(await new FrameReader(chunkedSource(new Uint8Array())).readHeader(), null);
  const frame = encodeFrame({ op: "ls" });
  for (const cut of [1, 3, 4, frame.length - 1]) {
    const reader = new FrameReader(chunkedSource(frame.slice(0, cut)));
    await assert.rejects(reader.readHeader(), { code: "truncated" });
  }
});

Deno.test("frameReader() rejects an empty header and stays in sync after it", async () => {
  const wire = concatBytes(prefix(0), prefix(0), encodeFrame({ op: "pwd" }));
  const reader = new FrameReader(chunkedSource(wire, [5]));
  await assert.rejects(reader.readHeader(), { code: "empty_header" });
  await assert.rejects(reader.readHeader(), { code: "empty_header" });
  assert.deepEqual(await reader.readHeader(), { op: "pwd" });
  assert.equal(await reader.readHeader(), null);
});

Deno.test("encodeFrame() refuses headers over the cap and invalid body lengths", () => {
  assert.throws(() => encodeFrame({ op: "x".repeat(MAX_HEADER_BYTES) }), RangeError);
  assert.throws(() => encodeFrame({ body: -5 }), FrameError);
});

Deno.test("frameReader() consumes an empty header so the next read makes progress", async () => {
  const reader = new FrameReader(
    chunkedSource(concatBytes(prefix(0), prefix(0), encodeFrame({ op: "x" }))),
  );
  await assert.rejects(reader.readHeader(), { code: "empty_header" });
  await assert.rejects(reader.readHeader(), { code: "empty_header" });
  assert.deepEqual(await reader.readHeader(), { op: "x" });
  assert.equal(await reader.readHeader(), null);
});

Deno.test("frameReader() reports each frame's first byte once, when it arrives", async () => {
  const events: string[] = [];
  const wire = concatBytes(
    encodeFrame({ op: "a" }),
    encodeFrame({ op: "b", body: 2 }),
    new Uint8Array(2),
  );
  let offset = 0;
  const reader = new FrameReader({
    read(buffer) {
      if (offset >= wire.length) return Promise.resolve(null);
      events.push("read");
      buffer[0] = wire[offset++]!;
      return Promise.resolve(1);
    },
  }, { onFrameStart: () => events.push("start") });
  await reader.readHeader();
  assert.deepEqual(events.slice(0, 2), ["read", "start"]);
  assert.equal(events.filter((e) => e === "start").length, 1);
  await reader.readHeader();
  await reader.skipBody();
  assert.equal(events.filter((e) => e === "start").length, 2);
  assert.equal(await reader.readHeader(), null);
  assert.equal(events.filter((e) => e === "start").length, 2, "a clean end is not a frame");
});
