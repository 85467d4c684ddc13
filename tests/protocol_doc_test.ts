/**
 * Keeps docs/protocol.md honest: its byte-level example and its example
 * session are replayed against a real server and must match what it sends.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RawClient } from "./_raw.ts";
import { TestServer } from "./_spawn.ts";

const DOC = fileURLToPath(new URL("../docs/protocol.md", import.meta.url));

async function exampleSection(): Promise<string> {
  const text = await Deno.readTextFile(DOC);
  const start = text.indexOf("## A worked example, byte by byte");
  const end = text.indexOf("\n## ", start + 1);
  assert.ok(start >= 0 && end > start, "worked example section not found");
  return text.slice(start, end);
}

/** The hex dumps of the section (`0000  00 00 00 21 7b ...  ascii`), as bytes. */
function hexDumps(section: string): Uint8Array[] {
  const blocks = [...section.matchAll(/```\n((?:[0-9a-f]{4} {2}.*\n)+)```/g)];
  return blocks.map(([, block]) => {
    const bytes = block!.trimEnd().split("\n").flatMap((line) =>
      line.slice(6, 6 + 47).trim().split(" ").map((hex) => parseInt(hex, 16))
    );
    return new Uint8Array(bytes);
  });
}

async function readExactly(conn: Deno.Conn, count: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(count);
  let offset = 0;
  while (offset < count) {
    const n = await conn.read(bytes.subarray(offset));
    if (n === null) throw new Error(`Connection closed after ${offset} of ${count} bytes`);
    offset += n;
  }
  return bytes;
}

/** Zeroes every `mtime`, which the example cannot predict. */
function withoutTimes(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, field) => key === "mtime" ? 0 : field);
}

Deno.test("protocol.md's byte-level example is exactly what the server sends", async () => {
  const [hello, helloReply, login] = hexDumps(await exampleSection());
  assert.ok(hello && helloReply && login, "expected three hex dumps");
  await using server = await TestServer.start();
  await server.addUser("alice", "s3cret-pw");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    await conn.write(hello);
    assert.deepEqual(await readExactly(conn, helloReply.length), helloReply);
    await conn.write(login);
    const prefix = await readExactly(conn, 4);
    const reply = await readExactly(conn, new DataView(prefix.buffer).getUint32(0));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(reply)), {
      id: 2,
      status: 200,
      message: "Logged in as alice",
      user: "alice",
      admin: false,
      cwd: "/",
    });
  } finally {
    conn.close();
  }
});

Deno.test("protocol.md's example session is what the server answers", async () => {
  const section = await exampleSection();
  const exchanges = [...section.matchAll(/^\u2192 (.*)\n\u2190 (.*)$/gm)]
    .map(([, request, response]) => [JSON.parse(request!), JSON.parse(response!)]);
  assert.ok(exchanges.length >= 5, "example session not found");
  await using server = await TestServer.start();
  await server.addUser("alice", "s3cret-pw");
  using client = await RawClient.connect(server.port);
  for (const [request, expected] of exchanges) {
    const response = await client.request(request);
    assert.deepEqual(withoutTimes(response), withoutTimes(expected), JSON.stringify(request));
  }
  assert.ok(await client.closedByServer());
});
