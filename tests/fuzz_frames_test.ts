/**
 * Fuzzes the frame decoder (protocol/frame_reader.ts) with random and mutated
 * byte streams delivered in random chunks. For every input it must: throw
 * nothing but FrameError; never hang (each step consumes input, reads stop at
 * the end); never ask its source to fill a buffer larger than its header cap
 * allows, i.e. never allocate from a length it has not checked.
 *
 * More cases: FTPX_FUZZ_ITERATIONS=200000; replay one: FTPX_FUZZ_SEED=N.
 */

import assert from "node:assert/strict";
import { encodeFrame, FrameError, type FrameErrorCode } from "../protocol/frame.ts";
import { type ByteSource, FrameReader } from "../protocol/frame_reader.ts";
import { FRAME_PREFIX_BYTES, MAX_HEADER_BYTES } from "../protocol/limits.ts";
import { concatBytes } from "./_data.ts";
import { fuzzIterations, fuzzSeed, Random } from "./_fuzz.ts";

const CODES: readonly FrameErrorCode[] = [
  "header_too_large",
  "empty_header",
  "bad_json",
  "not_an_object",
  "bad_body_length",
  "truncated",
];
/** Errors after which a session reads on, as `server/fronts/native/session.ts` does. */
const RECOVERABLE = new Set(["bad_json", "not_an_object", "empty_header"]);
/** skipBody's scratch buffer: the largest buffer a body read asks for. */
const SKIP_BUFFER_BYTES = 64 * 1024;

interface Observed {
  reads: number;
  largestBuffer: number;
}

/** Hands out `input` in random-sized chunks, watching what the reader asks for. */
function fuzzSource(input: Uint8Array, random: Random, observed: Observed): ByteSource {
  let offset = 0;
  let ended = false;
  return {
    read(buffer) {
      observed.reads++;
      observed.largestBuffer = Math.max(observed.largestBuffer, buffer.length);
      if (ended) throw new Error("read again after the end of the stream");
      if (observed.reads > input.length + 2) throw new Error("reader keeps reading: a hang");
      if (offset >= input.length) {
        ended = true;
        return Promise.resolve(null);
      }
      const size = Math.min(
        buffer.length,
        input.length - offset,
        1 + random.int(random.pick([1, 7, 300, 70_000])),
      );
      buffer.set(input.subarray(offset, offset + size));
      offset += size;
      return Promise.resolve(size);
    },
  };
}

/** Valid frames: the raw material mutations start from. */
function validStream(random: Random): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = random.int(4); i >= 0; i--) {
    const header: Record<string, unknown> = { op: random.pick(["hello", "ls", "put", "x"]) };
    if (random.chance(0.5)) header.path = random.text(30);
    const body = random.chance(0.4) ? random.int(200) : undefined;
    if (body !== undefined) header.body = body;
    parts.push(encodeFrame(header), random.bytes(body ?? 0));
  }
  return concatBytes(...parts);
}

function mutate(input: Uint8Array, random: Random): Uint8Array {
  const bytes = [...input];
  for (let i = 1 + random.int(4); i > 0; i--) {
    const at = random.int(bytes.length + 1);
    switch (random.int(8)) {
      case 0: // Flip a bit.
        if (bytes.length) bytes[at % bytes.length]! ^= 1 << random.int(8);
        break;
      case 1: // Insert random bytes.
        bytes.splice(at, 0, ...random.bytes(1 + random.int(8)));
        break;
      case 2: // Delete some.
        bytes.splice(at, 1 + random.int(8));
        break;
      case 3: // Truncate.
        bytes.length = at;
        break;
      case 4: // A length prefix from the edges: 0, just over the cap, 2^31, 2^32-1...
        bytes.splice(
          at,
          0,
          ...prefix(
            random.pick([
              0,
              1,
              MAX_HEADER_BYTES,
              MAX_HEADER_BYTES + 1,
              2 ** 31,
              2 ** 32 - 1,
              random.int(2 ** 32),
            ]),
          ),
        );
        break;
      case 5: // A body length that lies.
        bytes.splice(
          at,
          0,
          ...encodeFrameLoose({
            op: "put",
            body: random.pick([-1, 1.5, "9", 2 ** 53, 2 ** 63, 1e308, null, 10 ** 9]),
          }),
        );
        break;
      case 6: { // A well-framed header holding any JSON value, object or not.
        const json = new TextEncoder().encode(JSON.stringify(random.json()) ?? "null");
        bytes.splice(at, 0, ...prefix(json.length), ...json);
        break;
      }
      default: // A JSON fragment.
        bytes.splice(
          at,
          0,
          ...new TextEncoder().encode(
            random.pick(["{", "}", '"', "[]", "null", '{"body":', "\\u0000", "\u00ff"]),
          ),
        );
    }
  }
  return Uint8Array.from(bytes);
}

function randomInput(random: Random): Uint8Array {
  switch (random.int(4)) {
    case 0:
      return random.bytes(random.int(random.pick([16, 300, 5000])));
    case 1:
      return validStream(random);
    default:
      return mutate(validStream(random), random);
  }
}

/** Decodes a whole input the way a session does, noting the recoverable errors it met. */
async function decodeAll(
  reader: FrameReader,
  random: Random,
  input: Uint8Array,
  seen: Set<string>,
): Promise<void> {
  // Every step consumes at least one byte or ends: more steps than bytes would be a hang.
  for (let step = 0; step <= input.length + 1; step++) {
    let header;
    try {
      header = await reader.readHeader();
    } catch (error) {
      if (error instanceof FrameError && RECOVERABLE.has(error.code)) {
        seen.add(error.code);
        continue;
      }
      throw error;
    }
    if (header === null) return;
    if (random.chance(0.5)) {
      await reader.skipBody();
    } else {
      const into = new Uint8Array(1 + random.int(100));
      while (reader.bodyRemaining > 0) await reader.readBody(into);
    }
  }
  throw new Error("decoder did not finish: a hang");
}

Deno.test("frameReader() survives random and mutated streams (fuzz)", async () => {
  const seed = fuzzSeed();
  const random = new Random(seed);
  const iterations = fuzzIterations(3000);
  const seen = new Set<string>();
  for (let i = 0; i < iterations; i++) {
    const input = randomInput(random);
    const maxHeaderBytes = random.pick([16, 1024, 32 * 1024, MAX_HEADER_BYTES]);
    const observed: Observed = { reads: 0, largestBuffer: 0 };
    const reader = new FrameReader(fuzzSource(input, random, observed), { maxHeaderBytes });
    const context = () => `seed ${seed}, case ${i}, cap ${maxHeaderBytes}, input ${hex(input)}`;
    try {
      await decodeAll(reader, random, input, seen);
      seen.add("ok");
    } catch (error) {
      if (!(error instanceof FrameError)) {
        assert.fail(`decoder threw ${String(error)} (${context()})`);
      }
      assert.ok(CODES.includes(error.code), `unknown code ${error.code} (${context()})`);
      seen.add(error.code);
    }
    const allowed = Math.max(FRAME_PREFIX_BYTES + maxHeaderBytes, SKIP_BUFFER_BYTES, 4096);
    assert.ok(
      observed.largestBuffer <= allowed,
      `buffer of ${observed.largestBuffer} bytes for a cap of ${maxHeaderBytes} (${context()})`,
    );
  }
  // The generator must actually reach the interesting paths, or the test proves little.
  if (iterations >= 1000) {
    for (const outcome of [...CODES, "ok"]) {
      assert.ok(seen.has(outcome), `no case ended in ${outcome} (seed ${seed})`);
    }
  }
});

function prefix(length: number): number[] {
  return [length >>> 24 & 0xff, length >>> 16 & 0xff, length >>> 8 & 0xff, length & 0xff];
}

/** Like encodeFrame, without its checks (to write invalid body lengths). */
function encodeFrameLoose(header: Record<string, unknown>): number[] {
  const json = new TextEncoder().encode(JSON.stringify(header));
  return [...prefix(json.length), ...json];
}

function hex(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, 64), (b) => b.toString(16).padStart(2, "0")).join("");
  return bytes.length > 64 ? `${shown}... (${bytes.length} bytes)` : shown;
}
