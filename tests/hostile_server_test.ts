/**
 * The client against a hostile server: whatever text a server sends, no
 * control character (terminal escape, CR, bell) reaches the user's terminal;
 * a server that never answers doesn't hang it.
 */

import assert from "node:assert/strict";
import { FrameReader } from "../protocol/frame_reader.ts";
import { writeFrame } from "../protocol/frame_writer.ts";
import { runFtpx } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

const CLEAR = "\x1b[2J";
const TITLE = "\x1b]0;pwned\x07";

/** Answers each request with hostile text, until the client leaves. */
async function serveHostile(conn: Deno.Conn): Promise<void> {
  const reader = new FrameReader(conn);
  try {
    while (true) {
      const request = await reader.readHeader();
      if (request === null) return;
      const id = request.id;
      const replies: Record<string, object> = {
        hello: { status: 200, message: `ready${CLEAR}`, version: 1, server: TITLE },
        login: { status: 200, message: "ok", user: `ev${CLEAR}il`, admin: false, cwd: `/${TITLE}` },
        pwd: { status: 200, message: "/", cwd: `/home${CLEAR}\r\nforged` },
        cd: { status: 404, message: `Cannot${CLEAR} stat\r\nerror: forged line${TITLE}` },
        quit: { status: 200, message: "bye" },
      };
      await writeFrame(conn, {
        id,
        ...replies[String(request.op)] ?? { status: 405, message: "?" },
      });
    }
  } catch {
    // The client went away.
  } finally {
    conn.close();
  }
}

Deno.test("no control character from a server reaches the terminal", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => await serveHostile(await listener.accept()))();
  try {
    const result = await runFtpx(
      ["connect", "-P", String(listener.addr.port), "-u", "mallory", "-c", "pwd; cd x; pwd"],
      { env: { FTPX_PASSWORD: "whatever" } },
    );
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "/home?[2J??forged\n");
    assert.equal(result.stderr, "error: Cannot?[2J stat??error: forged line?]0;pwned?\n");
  } finally {
    await served;
    listener.close();
  }
});

Deno.test("on a terminal, the prompt and notices show server text defanged", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => await serveHostile(await listener.accept()))();
  try {
    const result = await runInTerminal(
      ["connect", "-P", String(listener.addr.port), "-u", "mallory"],
      {
        env: { FTPX_PASSWORD: "whatever" },
        steps: [
          { expect: "as ev?[2Jil." },
          { expect: "ftpx ev?[2Jil:/?]0;pwned?> ", send: "cd x\r" },
          { expect: "error: Cannot?[2J stat??error: forged line?]0;pwned?\r\n" },
          { expect: "> ", send: "exit\r" },
        ],
      },
    );
    assert.equal(result.code, 0, result.output);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(result.output, /\x1b|\x07/);
  } finally {
    await served;
    listener.close();
  }
});

Deno.test("a server that accepts and never answers: the client gives up with a one-line error, not a hang", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // Holds the connection open, saying nothing, until the client closes it.
  const held = (async () => {
    const conn = await listener.accept();
    try {
      while (await conn.read(new Uint8Array(1024)) !== null) { /* ignore what it sends */ }
    } catch {
      // The client reset the connection.
    } finally {
      conn.close();
    }
  })();
  try {
    const result = await runFtpx(
      ["connect", "-P", String(listener.addr.port), "-u", "alice", "-c", "pwd"],
      { env: { FTPX_PASSWORD: "whatever" } },
    );
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `error: No answer from 127.0.0.1:${listener.addr.port} in 20s ` +
        "(is it an ftpx server, and running? check -H and -P)\n",
    );
  } finally {
    await held;
    listener.close();
  }
});
