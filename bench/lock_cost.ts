/**
 * What the jail's per-home lock costs (server/storage/local/home_lock.ts):
 * an uncontended acquire and release in process, then `stat`, `ls` and `get`
 * round trips against a real server, one connection at a time. Run it on the
 * code before the lock too (FTPX_BIN=a wrapper running the older main.ts) and
 * compare the round trips.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-write --allow-env=FTPX_BIN \
 *     --allow-run bench/lock_cost.ts [--rounds N]
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { createHomeLockBuffer, HomeLock } from "../server/storage/local/home_lock.ts";
import { BenchServer, getAndDiscard, logIn } from "./_lib.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "2000" } },
});
const ROUNDS = Number(values.rounds);
const LOCK_ROUNDS = 1_000_000;
const LISTED_ENTRIES = 100;
const FILE_BYTES = 4096;

async function lockNanoseconds(mode: "shared" | "exclusive"): Promise<number> {
  const lock = new HomeLock(new Int32Array(createHomeLockBuffer()), 0);
  const action = () => 0;
  const started = performance.now();
  for (let round = 0; round < LOCK_ROUNDS; round++) await lock[mode](action);
  return (performance.now() - started) * 1e6 / LOCK_ROUNDS;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function main(): Promise<void> {
  console.log(`lock shared, uncontended: ${(await lockNanoseconds("shared")).toFixed(0)} ns`);
  console.log(`lock exclusive, uncontended: ${(await lockNanoseconds("exclusive")).toFixed(0)} ns`);

  const dir = await Deno.makeTempDir({ prefix: "ftpx-bench-lock-" });
  const server = await BenchServer.start(join(dir, "data"));
  try {
    await server.addUser("bench", "bench-password");
    const home = server.home("bench");
    await Deno.mkdir(join(home, "d"));
    for (let i = 0; i < LISTED_ENTRIES; i++) {
      await Deno.writeTextFile(join(home, "d", `f${i}`), "x");
    }
    await Deno.writeFile(join(home, "f"), new Uint8Array(FILE_BYTES));
    const connection = await logIn(server.port, "bench", "bench-password");
    try {
      const kinds: [string, () => Promise<unknown>][] = [
        ["stat", () => connection.call("stat", { path: "/f" })],
        [`ls (${LISTED_ENTRIES} entries)`, () => connection.call("ls", { path: "/d" })],
        [`get (${FILE_BYTES} bytes)`, () => getAndDiscard(connection, "/f")],
      ];
      for (const [label, call] of kinds) {
        for (let round = 0; round < ROUNDS / 10; round++) await call(); // warm up
        const times: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const started = performance.now();
          await call();
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        const mean = times.reduce((sum, time) => sum + time, 0) / times.length;
        console.log(
          `${label}: p50 ${(percentile(times, 0.5) * 1000).toFixed(0)} us, p99 ${
            (percentile(times, 0.99) * 1000).toFixed(0)
          } us, mean ${(mean * 1000).toFixed(0)} us (${ROUNDS} round trips)`,
        );
      }
    } finally {
      connection.close();
    }
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

await main();
