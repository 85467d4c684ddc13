import assert from "node:assert/strict";
import { textStream } from "./text_stream.ts";

function pieces(count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `piece ${index} ${"\u00e9".repeat(index % 50)}\n`,
  );
}

Deno.test("textStream sends every piece in order, in bounded chunks, then ends once", async () => {
  const text = pieces(20_000);
  let ended = 0;
  const stream = textStream(text[Symbol.iterator](), { timeoutMs: 10_000, onEnd: () => ended++ });
  let chunks = 0;
  let received = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    chunks++;
    assert.ok(chunk.length <= 3 * 70 * 1024, `a chunk of ${chunk.length} bytes`);
    received += decoder.decode(chunk, { stream: true });
  }
  assert.equal(received, text.join(""));
  assert.ok(chunks > 1, "sent in several chunks");
  assert.equal(ended, 1);
});

Deno.test("textStream ends when the reader cancels, and cuts a reader that stops reading", async () => {
  let cancelled = 0;
  const stream = textStream(pieces(100_000)[Symbol.iterator](), {
    timeoutMs: 10_000,
    onEnd: () => cancelled++,
  });
  const reader = stream.getReader();
  await reader.read();
  await reader.cancel();
  assert.equal(cancelled, 1);

  const ended = Promise.withResolvers<void>();
  const stalled = textStream(pieces(100_000)[Symbol.iterator](), {
    timeoutMs: 20,
    onEnd: ended.resolve,
  });
  const stalledReader = stalled.getReader();
  await stalledReader.read();
  // Not reading on: the stream is cut after its timeout.
  await ended.promise;
  await assert.rejects(async () => {
    while (!(await stalledReader.read()).done) { /* drain what was queued */ }
  }, /client stopped reading/);
});
