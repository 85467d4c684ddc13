// Synchronous reads on purpose, as this helper always did: a process that only sends, whose
// reads from the page cache are cheaper inline than through the blocking thread pool.
// deno-lint-ignore-file no-sync-fn-in-async-fn

/**
 * A load helper: native uploads with the protocol-level client, each file's
 * sha256 known beforehand and sent in the `put` request (so the server
 * commits at once, and this client hashes nothing while sending: like
 * curl's STOR, it only moves bytes; the server still hashes every byte it
 * writes). One connection per upload, all at once; each body is read in 256
 * KiB synchronous reads into its own buffer, each written to the socket
 * before the next. Prints {"bytes":N,"seconds":S,"start":T0,"end":T1}
 * (from the first `put` request to the last reply; epoch ms). With
 * `--wait`, prints `ready` once every session is logged in, and starts the
 * puts when a line arrives on stdin (so that several helpers start
 * together). Usage:
 *   _put.ts [--wait] PORT USER PASSWORD FILE REMOTE_PATH SHA256 [FILE REMOTE_PATH SHA256]...
 */

import type { Connection } from "../client/connection.ts";
import { logIn } from "./_lib.ts";

const CHUNK = 256 * 1024;
const args = [...Deno.args];
const wait = args[0] === "--wait";
if (wait) args.shift();
const [port, user, password, ...rest] = args;
if (rest.length === 0 || rest.length % 3 !== 0) {
  throw new TypeError("Expected FILE REMOTE_PATH SHA256 triples after PORT USER PASSWORD");
}
const uploads = Array.from({ length: rest.length / 3 }, (_, i) => ({
  local: rest[3 * i]!,
  remote: rest[3 * i + 1]!,
  sha256: rest[3 * i + 2]!,
}));
const connections = await Promise.all(uploads.map(() => logIn(Number(port), user!, password!)));
if (wait) {
  console.log("ready");
  await Deno.stdin.readable.getReader().read();
}
const started = performance.now();
const counts = await Promise.all(
  uploads.map((upload, i) => put(connections[i]!, upload)),
);
const ended = performance.now();
for (const connection of connections) connection.close();
console.log(JSON.stringify({
  bytes: counts.reduce((a, b) => a + b, 0),
  seconds: (ended - started) / 1000,
  start: performance.timeOrigin + started,
  end: performance.timeOrigin + ended,
}));

async function put(
  connection: Connection,
  upload: { local: string; remote: string; sha256: string },
): Promise<number> {
  const file = Deno.openSync(upload.local);
  try {
    const size = file.statSync().size;
    const buffer = new Uint8Array(CHUNK);
    const id = await connection.send("put", {
      path: upload.remote,
      size,
      sha256: upload.sha256,
      body: size,
    });
    let sent = 0;
    while (sent < size) {
      const count = file.readSync(buffer.subarray(0, Math.min(CHUNK, size - sent)));
      if (count === null || count === 0) throw new Error(`${upload.local} shrank while being sent`);
      let written = 0;
      while (written < count) {
        written += await connection.sink.write(buffer.subarray(written, count));
      }
      sent += count;
    }
    const reply = await connection.readResponse(id);
    if (reply.status !== 201) {
      throw new Error(`put ${upload.remote}: ${reply.status} ${reply.message}`);
    }
    return size;
  } finally {
    file.close();
  }
}
