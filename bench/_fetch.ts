/**
 * A load helper: logs in on one connection per path and has them all `get`
 * at once: the protocol-level client with no sha256, discarding the bytes,
 * or, with `--out DIR`, writing each to a file (two buffers, as the real
 * client does). Prints {"bytes":N,"start":T0,"end":T1} (epoch ms). With
 * `--wait`, prints `ready` once every session is logged in, and starts the
 * gets when a line arrives on stdin (so that several helpers start together).
 * Usage:
 *   _fetch.ts [--wait] [--out DIR] PORT USER PASSWORD PATH...
 */

import { join } from "node:path";
import type { Connection } from "../client/connection.ts";
import { getAndDiscard, logIn } from "./_lib.ts";

const args = [...Deno.args];
const wait = args[0] === "--wait";
if (wait) args.shift();
let outDir: string | undefined;
if (args[0] === "--out") {
  outDir = args[1];
  args.splice(0, 2);
}
const [port, user, password, ...paths] = args;
const connections = await Promise.all(paths.map(() => logIn(Number(port), user!, password!)));
if (wait) {
  console.log("ready");
  await Deno.stdin.readable.getReader().read();
}
const start = performance.timeOrigin + performance.now();
const counts = await Promise.all(
  connections.map((c, i) =>
    outDir === undefined
      ? getAndDiscard(c, paths[i]!)
      : getToFile(c, paths[i]!, join(outDir, `${i}.out`))
  ),
);
const end = performance.timeOrigin + performance.now();
for (const connection of connections) connection.close();
console.log(JSON.stringify({ bytes: counts.reduce((a, b) => a + b, 0), start, end }));

async function getToFile(connection: Connection, path: string, out: string): Promise<number> {
  await connection.call("get", { path });
  const file = await Deno.open(out, { write: true, create: true, truncate: true });
  let front = new Uint8Array(256 * 1024);
  let back = new Uint8Array(256 * 1024);
  let writing: Promise<void> | null = null;
  let total = 0;
  while (connection.reader.bodyRemaining > 0) {
    const count = await connection.reader.readBody(front);
    total += count;
    if (writing) await writing;
    const chunk = front.subarray(0, count);
    writing = (async () => {
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
    })();
    [front, back] = [back, front];
  }
  if (writing) await writing;
  file.close();
  return total;
}
