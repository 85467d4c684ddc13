import assert from "node:assert/strict";
import { type FtpLine, FtpLineReader } from "./line_reader.ts";

const encoder = new TextEncoder();

/** A source that hands out the given chunks one read at a time. */
function chunks(...parts: (string | number[])[]) {
  const queue = parts.map((part) => typeof part === "string" ? encoder.encode(part) : part);
  return {
    read(buffer: Uint8Array): Promise<number | null> {
      const next = queue.shift();
      if (next === undefined) return Promise.resolve(null);
      buffer.set(next);
      return Promise.resolve(next.length);
    },
  };
}

async function readAll(reader: FtpLineReader): Promise<string[]> {
  const lines: string[] = [];
  let line: FtpLine | null;
  while ((line = await reader.readLine()) !== null) {
    lines.push(line.kind === "line" ? line.text : `<${line.kind}>`);
  }
  return lines;
}

Deno.test("ftpLineReader() joins a command split across reads", async () => {
  const reader = new FtpLineReader(chunks("US", "ER al", "ice\r", "\nPASS se", "cret\r\n"));
  assert.deepEqual(await readAll(reader), ["USER alice", "PASS secret"]);
});

Deno.test("ftpLineReader() splits several commands in one read", async () => {
  const reader = new FtpLineReader(chunks("NOOP\r\nPWD\r\nSYST\r\n"));
  assert.deepEqual(await readAll(reader), ["NOOP", "PWD", "SYST"]);
});

Deno.test("ftpLineReader() accepts LF alone and a lone CR as line ends", async () => {
  const reader = new FtpLineReader(chunks("NOOP\nABOR\r", "PWD\r\n"));
  assert.deepEqual(await readAll(reader), ["NOOP", "ABOR", "PWD"]);
});

Deno.test("ftpLineReader() drops telnet commands and keeps a doubled IAC as data", async () => {
  const interruptAndSynch = [0xff, 0xf4, 0xff, 0xf2];
  const willEcho = [0xff, 0xfb, 0x01];
  const reader = new FtpLineReader(
    chunks(interruptAndSynch, "ABOR\r\n", willEcho, "N", [0xff, 0xff], "\r\n"),
  );
  assert.deepEqual(await readAll(reader), ["ABOR", "<not_utf8>"], "0xff alone is no UTF-8");
});

Deno.test("ftpLineReader() refuses an over-long line and reads the next one", async () => {
  const reader = new FtpLineReader(chunks("A".repeat(10), "B".repeat(10), "\r\nNOOP\r\n"), 16);
  assert.deepEqual(await readAll(reader), ["<too_long>", "NOOP"]);
});

Deno.test("ftpLineReader() accepts a line of exactly the cap", async () => {
  const reader = new FtpLineReader(chunks("X".repeat(16) + "\r\n"), 16);
  assert.deepEqual(await readAll(reader), ["X".repeat(16)]);
});

Deno.test("ftpLineReader() decodes UTF-8 names split between reads", async () => {
  const bytes = encoder.encode("CWD \u00dcn\u00efc\u00f6d\u00e9\r\n");
  const reader = new FtpLineReader(chunks([...bytes.subarray(0, 5)], [...bytes.subarray(5)]));
  assert.deepEqual(await readAll(reader), ["CWD \u00dcn\u00efc\u00f6d\u00e9"]);
});

Deno.test("ftpLineReader() marks a line that is not UTF-8 instead of replacing its bytes", async () => {
  const reader = new FtpLineReader(chunks("MKD caf", [0xe9], "\r\nMKD caf\u00e9\r\n"));
  assert.deepEqual(await readAll(reader), ["<not_utf8>", "MKD caf\u00e9"]);
});

Deno.test("ftpLineReader() ignores an unterminated last line", async () => {
  const reader = new FtpLineReader(chunks("NOOP\r\nQUI"));
  assert.deepEqual(await readAll(reader), ["NOOP"]);
});

Deno.test("ftpLineReader() forgets buffered bytes when asked (after AUTH TLS)", async () => {
  const reader = new FtpLineReader(chunks("AUTH TLS\r\nUSER injected\r\n", "NOOP\r\n"));
  assert.deepEqual(await reader.readLine(), { kind: "line", text: "AUTH TLS" });
  reader.discardBuffered();
  assert.deepEqual(await readAll(reader), ["NOOP"]);
});
