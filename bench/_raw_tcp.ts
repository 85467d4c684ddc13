/**
 * The raw-TCP ceiling: the fastest bare Deno socket sender we know for a
 * file (a synchronous read into one reused 256 KiB buffer, then
 * `await conn.write`), and a receiver that discards or writes to a file.
 * No protocol at all. Usage:
 *   _raw_tcp.ts send FILE          prints the port, serves one connection
 *   _raw_tcp.ts recv PORT [OUT]    prints {"bytes":N,"seconds":S}
 */

const CHUNK = 256 * 1024;
const [mode, target, out] = Deno.args;

async function writeAll(sink: { write(d: Uint8Array): Promise<number> }, data: Uint8Array) {
  let offset = 0;
  while (offset < data.length) offset += await sink.write(data.subarray(offset));
}

if (mode === "send") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log((listener.addr as Deno.NetAddr).port);
  const conn = await listener.accept();
  listener.close();
  const file = Deno.openSync(target!);
  const buffer = new Uint8Array(CHUNK);
  while (true) {
    const count = file.readSync(buffer);
    if (count === null) break;
    await writeAll(conn, buffer.subarray(0, count));
  }
  file.close();
  conn.close();
} else if (mode === "recv") {
  const started = performance.now();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(target) });
  const file = out ? await Deno.open(out, { write: true, create: true, truncate: true }) : null;
  let front = new Uint8Array(CHUNK);
  let back = new Uint8Array(CHUNK);
  let writing: Promise<void> | null = null;
  let bytes = 0;
  while (true) {
    const count = await conn.read(front);
    if (count === null) break;
    bytes += count;
    if (file) {
      if (writing) await writing;
      writing = writeAll(file, front.subarray(0, count));
      [front, back] = [back, front];
    }
  }
  if (writing) await writing;
  file?.close();
  conn.close();
  console.log(JSON.stringify({ bytes, seconds: (performance.now() - started) / 1000 }));
}
