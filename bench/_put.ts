/**
 * A load helper: one native upload with the protocol-level client, the
 * file's sha256 known beforehand and sent in the `put` request (so the
 * server commits at once, and this client hashes nothing while sending:
 * like curl's STOR, it only moves bytes; the server still hashes every
 * byte it writes). The body is read in 256 KiB synchronous reads into one
 * buffer, each written to the socket before the next. Prints
 * {"bytes":N,"seconds":S} (from the `put` request to its reply). Usage:
 *   _put.ts PORT USER PASSWORD FILE REMOTE_PATH SHA256
 */

import { logIn } from "./_lib.ts";

const CHUNK = 256 * 1024;
const [port, user, password, local, remote, sha256] = Deno.args;
const connection = await logIn(Number(port), user!, password!);
const file = Deno.openSync(local!);
const size = file.statSync().size;
const buffer = new Uint8Array(CHUNK);
const started = performance.now();
const id = await connection.send("put", { path: remote, size, sha256, body: size });
let sent = 0;
while (sent < size) {
  const count = file.readSync(buffer.subarray(0, Math.min(CHUNK, size - sent)));
  if (count === null || count === 0) throw new Error(`${local} shrank while being sent`);
  let written = 0;
  while (written < count) {
    written += await connection.sink.write(buffer.subarray(written, count));
  }
  sent += count;
}
const reply = await connection.readResponse(id);
const seconds = (performance.now() - started) / 1000;
file.close();
connection.close();
if (reply.status !== 201) throw new Error(`put ${remote}: ${reply.status} ${reply.message}`);
console.log(JSON.stringify({ bytes: size, seconds }));
