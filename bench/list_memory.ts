/**
 * Server memory under concurrent big listings: `--clients` connections each
 * list a directory of `--entries` entries at the same time, `--rounds` times.
 * Prints the server's RSS before and its peak during the listings
 * (server/storage/local/list_gate.ts bounds what a thread's listings hold).
 *
 *   deno task bench:list [--clients 60] [--entries 20000] [--rounds 3]
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { BenchServer, logIn } from "./_lib.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "60" },
    entries: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
  },
});
const CLIENTS = Number(values.clients);
const ENTRIES = Number(values.entries);
const ROUNDS = Number(values.rounds);
const MIB = 1024 * 1024;

/** Current RSS of a process (VmRSS), read through `cat` as bench/_lib.ts reads VmHWM. */
async function rss(pid: number): Promise<{ now: number; peak: number }> {
  const output = await new Deno.Command("cat", { args: [`/proc/${pid}/status`], stdout: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout);
  const field = (name: string) =>
    Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1]) * 1024;
  return { now: field("VmRSS"), peak: field("VmHWM") };
}

/** Resets a process's peak RSS to its current RSS (`clear_refs`; Deno's own file calls refuse /proc). */
async function resetPeak(pid: number): Promise<void> {
  const reset = await new Deno.Command("sh", {
    args: ["-c", `echo 5 > /proc/${pid}/clear_refs`],
  }).output();
  if (!reset.success) throw new Error(`cannot reset the peak RSS of ${pid}`);
}

async function main(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-bench-list-" });
  const server = await BenchServer.start(join(dir, "data"), [
    "--config",
    await writeIni(dir),
  ]);
  try {
    await server.addUser("bench", "bench-password");
    const big = join(server.home("bench"), "big");
    await Deno.mkdir(big);
    for (let i = 0; i < ENTRIES; i++) await Deno.writeTextFile(join(big, `file-${i}.txt`), "x");
    const connections = await Promise.all(
      Array.from({ length: CLIENTS }, () => logIn(server.port, "bench", "bench-password")),
    );
    const before = await rss(server.pid);
    // The logins' scrypt hashes peaked above this: the peak is counted from here.
    await resetPeak(server.pid);
    const buffer = new Uint8Array(256 * 1024);
    const started = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(connections.map(async (connection) => {
        await connection.call("ls", { path: "/big" });
        while (connection.reader.bodyRemaining > 0) await connection.reader.readBody(buffer);
      }));
    }
    const seconds = (performance.now() - started) / 1000;
    const after = await rss(server.pid);
    connections.forEach((connection) => connection.close());
    console.log(
      `${CLIENTS} concurrent listings of ${ENTRIES} entries, ${ROUNDS} rounds in ${
        seconds.toFixed(1)
      } s: server RSS ${(before.now / MIB).toFixed(0)} MiB before, peak ${
        (after.peak / MIB).toFixed(0)
      } MiB`,
    );
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Room for the bench's sessions and logins from one address. */
async function writeIni(dir: string): Promise<string> {
  const ini = join(dir, "server.ini");
  await Deno.writeTextFile(
    ini,
    "max_sessions_per_address = 1000\nlogin_attempts_per_minute = 10000\nmax_list_entries = 100000\n",
  );
  return ini;
}

await main();
