/**
 * `deno task bench:load`: many concurrent clients on loopback against one
 * `ftpx serve`, for a bounded time, then a check of everything they left.
 *
 * Clients run inside a few driver processes (`_load_driver.ts`, the real
 * client code, many connections per event loop). Each logs in once (scrypt
 * makes logins deliberately slow, so they are measured apart), then loops a
 * random mix of ls, get, put, mkdir, rm, rmdir, an occasional reconnect
 * with a fresh login, and "drop": a transfer cut halfway by closing the
 * connection, then done again after a new login, which must resume from
 * a non-zero offset. Each client works in its own directory and checks
 * every answer.
 * At the end: every download was compared with the sha256 of what was
 * uploaded; every file left on the server is hashed and compared; no
 * partial upload, quota reservation or live session may be left over, and
 * each user's tracked used space must equal what is on disk.
 *
 * Prints operations per second, p50/p99 latency per kind, login throughput,
 * errors, the server's peak RSS and CPU use of server and drivers. Exits 1
 * on any error or failed check.
 *
 * Usage: deno task bench:load [--clients 200] [--duration 30] [--drivers 2]
 *        [--users 10] [--workers 0] [--dir /tmp]
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { fileSha256 } from "../tests/_data.ts";
import { parseArgs } from "node:util";
import { Connection } from "../client/connection.ts";
import { Progress } from "../client/progress.ts";
import { ResumeStore } from "../client/resume_store.ts";
import { uploadFile } from "../client/transfer/upload.ts";
import { formatSize } from "../protocol/size.ts";
import { measureTree } from "../server/storage/local/measure.ts";
import { BenchServer, writeTestFile } from "./_lib.ts";
import {
  type ClientState,
  cpuSecondsOf,
  type DriverResult,
  formatMs,
  KINDS,
  LOAD_MIX,
  memoryOf,
  percentile,
  type PoolFile,
  startDriver,
  writeLoadIni,
} from "./_load.ts";

const USAGE = "Usage: deno task bench:load [--clients 200] [--duration 30] [--drivers 2] " +
  "[--users 10] [--workers 0] [--dir /tmp]";

/** Sizes of the files clients upload: empty, tiny, around the 256 KiB chunk, a few MiB. */
const POOL_SIZES = [0, 1, 4095, 65536, 262_145, 1024 * 1024, 3 * 1024 * 1024 + 7];
/** Pool files every user also has under /shared, read by all clients. */
const SHARED_POOL_INDEXES = [2, 4, 5];
/** How long to wait for the server to notice that every client left. */
const SESSION_DRAIN_MS = 10_000;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "200" },
    duration: { type: "string", default: "30" },
    drivers: { type: "string", default: "2" },
    users: { type: "string", default: "10" },
    workers: { type: "string", default: "0" },
    dir: { type: "string", default: "/tmp" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const clientCount = positive("clients");
const duration = positive("duration");
const driverCount = Math.min(positive("drivers"), clientCount);
const userCount = Math.min(positive("users"), clientCount);
const workers = Number(values.workers);

const root = await Deno.makeTempDir({ dir: values.dir, prefix: "ftpx-load-" });
const cleanup = () => Deno.removeSync(root, { recursive: true });
Deno.addSignalListener("SIGINT", () => {
  cleanup();
  Deno.exit(130);
});

let failed: boolean;
try {
  failed = await main();
} finally {
  cleanup();
}
Deno.exit(failed ? 1 : 0);

function positive(name: "clients" | "duration" | "drivers" | "users"): number {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`error: --${name} must be a whole number of at least 1\n${USAGE}`);
    Deno.exit(2);
  }
  return value;
}

/** Runs the load and the checks; returns true if anything failed. */
async function main(): Promise<boolean> {
  const ini = join(root, "server.ini");
  const settings = await writeLoadIni(ini, { workers: String(workers) });
  const server = await BenchServer.start(join(root, "data"), ["--config", ini]);
  const serverPid = server.pid;
  try {
    const pool = await makePool(join(root, "pool"));
    const users = Array.from({ length: userCount }, (_, i) => ({
      name: `load${i}`,
      password: `load-password-${i}`,
    }));
    await Promise.all(users.map((user) => server.addUser(user.name, user.password)));
    const shared = await uploadShared(server.port, users, pool);

    console.log(
      `ftpx load: ${clientCount} clients in ${driverCount} driver process(es), ${userCount} users, ` +
        `${duration}s of mixed operations (${
          LOAD_MIX.map(([kind, weight]) => `${kind} ${weight}%`).join(", ")
        }); ${navigator.hardwareConcurrency} cores, ` +
        `Deno ${Deno.version.deno}; server settings: ${settings.join(" ")}`,
    );
    const drivers = Array.from({ length: driverCount }, (_, index) =>
      startDriver({
        port: server.port,
        duration,
        clients: Array.from({ length: clientCount }, (_, id) => id)
          .filter((id) => id % driverCount === index)
          .map((id) => ({ id, ...credentials(users[id % userCount]!) })),
        pool,
        shared,
        workDir: join(root, `driver${index}`),
      }, { index, readDir: root }));
    await Promise.all(drivers.map((driver) => driver.ready));
    const before = await memoryOf(serverPid);
    const cpuBefore = await cpuSecondsOf(serverPid);
    drivers.forEach((driver) => driver.go());
    const results = await Promise.all(drivers.map((driver) => driver.result));
    const cpuAfter = await cpuSecondsOf(serverPid);
    const after = await memoryOf(serverPid);
    const checks = await checkServer(server, results.flatMap((result) => result.clients));
    return report(results, checks, {
      rssBeforeRun: before.rss,
      rssAfterRun: after.rss,
      peakRss: after.peak,
      serverCpuSeconds: cpuAfter - cpuBefore,
    });
  } finally {
    await server.stop();
  }
}

function credentials(user: { name: string; password: string }) {
  return { user: user.name, password: user.password };
}

async function makePool(dir: string): Promise<PoolFile[]> {
  await Deno.mkdir(dir);
  return await Promise.all(POOL_SIZES.map(async (size, index) => {
    const path = join(dir, `pool${index}.bin`);
    await writeTestFile(path, size);
    return { path, size, sha256: await fileSha256(path) };
  }));
}

/** Uploads the shared files into every user's /shared; returns name -> sha256. */
async function uploadShared(
  port: number,
  users: { name: string; password: string }[],
  pool: PoolFile[],
): Promise<Record<string, string>> {
  const shared: Record<string, string> = {};
  for (const index of SHARED_POOL_INDEXES) shared[`s${index}`] = pool[index]!.sha256;
  await Promise.all(users.map(async (user) => {
    const connection = await Connection.open({ host: "127.0.0.1", port });
    try {
      await connection.call("login", { user: user.name, password: user.password });
      await connection.call("mkdir", { path: "/shared" });
      for (const index of SHARED_POOL_INDEXES) {
        await uploadFile({
          connection,
          user: user.name,
          store: new ResumeStore(join(root, "unused-resume.ini")),
          progress: (options) =>
            new Progress({ live: false, write: () => {}, line: () => {} }, options),
          notice: () => {},
        }, { local: pool[index]!.path, remote: `/shared/s${index}` });
      }
    } finally {
      connection.close();
    }
  }));
  return shared;
}

/** What the final check of the server found. */
interface Checks {
  filesVerified: number;
  problems: string[];
}

/**
 * Compares each client's directory on the server's disk with what the
 * client knows it stored, and the database's bookkeeping with the disk.
 */
async function checkServer(server: BenchServer, clients: ClientState[]): Promise<Checks> {
  const problems: string[] = [];
  let filesVerified = 0;
  for (const client of clients) {
    const dir = join(server.home(client.user), client.dir);
    const expected = new Set([...Object.keys(client.files), ...client.dirs]);
    for await (const entry of Deno.readDir(dir)) {
      const path = `${client.dir}/${entry.name}`;
      if (!expected.delete(entry.name)) {
        problems.push(`${client.user}:${path} is on the server but should not be`);
      } else if (entry.isFile) {
        const actual = await fileSha256(join(dir, entry.name));
        if (actual !== client.files[entry.name]) {
          problems.push(
            `${client.user}:${path} has sha256 ${actual}, uploaded ${client.files[entry.name]}`,
          );
        }
        filesVerified++;
      } else if (entry.isDirectory) {
        for await (const _ of Deno.readDir(join(dir, entry.name))) {
          problems.push(`${client.user}:${path} should be empty`);
          break;
        }
      }
    }
    for (const name of expected) {
      problems.push(`${client.user}:${client.dir}/${name} is missing on the server`);
    }
  }
  problems.push(...await checkDatabase(server));
  return { filesVerified, problems };
}

/** No leftover sessions, reservations or partials; used space matches the disk. */
async function checkDatabase(server: BenchServer): Promise<string[]> {
  const problems: string[] = [];
  const db = new DatabaseSync(join(server.dataDir, "ftpx.db"), { readOnly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const drainBy = performance.now() + SESSION_DRAIN_MS;
    let live = count("SELECT count(*) AS n FROM live_sessions");
    while (live > 0 && performance.now() < drainBy) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      live = count("SELECT count(*) AS n FROM live_sessions");
    }
    if (live > 0) problems.push(`${live} live session(s) still recorded after every client left`);
    const reservations = count("SELECT count(*) AS n FROM upload_reservations");
    if (reservations > 0) problems.push(`${reservations} quota reservation(s) left over`);
    const partials = count("SELECT count(*) AS n FROM partial_uploads");
    if (partials > 0) problems.push(`${partials} partial upload record(s) left over`);
    const users = db.prepare("SELECT name, used_bytes AS used FROM users").all() as {
      name: string;
      used: number;
    }[];
    for (const { name, used } of users) {
      const measured = await measureTree(server.home(name));
      if (measured.bytes !== used) {
        problems.push(`user ${name}: used space recorded ${used}, on disk ${measured.bytes}`);
      }
    }
  } finally {
    db.close();
  }
  return problems;
}

function report(
  results: DriverResult[],
  checks: Checks,
  server: {
    rssBeforeRun: number;
    rssAfterRun: number;
    peakRss: number;
    serverCpuSeconds: number;
  },
): boolean {
  const logins = results.flatMap((result) => result.logins);
  const loginSeconds = Math.max(...results.map((result) => result.loginMs)) / 1000;
  const runSeconds = Math.max(...results.map((result) => result.runMs)) / 1000;
  const errors = results.flatMap((result) => result.errors);
  const stale = results.reduce((sum, result) => sum + result.staleResumeRecords, 0);
  const verifiedGets = results.reduce((sum, result) => sum + result.verifiedGets, 0);
  const moved = results.reduce(
    (sum, result) => ({ get: sum.get + result.bytes.get, put: sum.put + result.bytes.put }),
    { get: 0, put: 0 },
  );
  const byKind = KINDS.filter((kind) => LOAD_MIX.some(([mixed]) => mixed === kind)).map((kind) => ({
    kind,
    values: results.flatMap((result) => result.latencies[kind]),
  }));
  const operations = byKind.reduce((sum, { values }) => sum + values.length, 0);

  console.log(
    `\nlogins (connect, hello, login; all clients at once): ${logins.length} in ${
      loginSeconds.toFixed(1)
    }s = ${(logins.length / loginSeconds).toFixed(1)}/s, p50 ${
      formatMs(percentile(logins, 50))
    } ms, p99 ${formatMs(percentile(logins, 99))} ms`,
  );
  console.log(
    `mixed phase: ${operations} operations in ${runSeconds.toFixed(1)}s = ${
      (operations / runSeconds).toFixed(0)
    } ops/s; get ${formatSize(moved.get)}, put ${formatSize(moved.put)}`,
  );
  console.log(
    `${"kind".padEnd(8)}${"count".padStart(8)}${"ops/s".padStart(8)}` +
      `${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}`,
  );
  for (const { kind, values } of byKind) {
    console.log(
      `${kind.padEnd(8)}${String(values.length).padStart(8)}${
        (values.length / runSeconds).toFixed(0).padStart(8)
      }${formatMs(percentile(values, 50)).padStart(9)}${
        formatMs(percentile(values, 99)).padStart(9)
      }`,
    );
  }
  const resumed = results.reduce(
    (sum, result) => ({ get: sum.get + result.resumed.get, put: sum.put + result.resumed.put }),
    { get: 0, put: 0 },
  );
  console.log(
    `drop (a transfer of 1 MiB or more cut halfway, then done again after a new login): ` +
      `${resumed.get} gets and ${resumed.put} puts resumed from a non-zero offset`,
  );
  const busy = results.flatMap((result) => result.busyAfterCut);
  if (busy.length > 0) {
    console.log(
      `  ${busy.length} put(s) after a cut first found the cut upload still winding down ` +
        `(409, retried): done ${formatMs(percentile(busy, 50))} ms after the cut at p50, ` +
        `${formatMs(Math.max(...busy))} ms at most`,
    );
  }
  console.log(
    `sha256 checks: ${verifiedGets} downloads against the uploaded digest, ` +
      `${checks.filesVerified} files left on the server`,
  );
  console.log(
    `server: peak RSS ${formatSize(server.peakRss)} (${
      formatSize(server.rssBeforeRun)
    } after the logins, ${
      formatSize(server.rssAfterRun)
    } at the end); CPU during the mixed phase: server ${
      (server.serverCpuSeconds / runSeconds).toFixed(2)
    } cores, drivers ${
      results.map((result) => (result.cpuSeconds / (result.runMs / 1000)).toFixed(2)).join(" + ")
    } cores`,
  );
  if (stale > 0) checks.problems.push(`${stale} finished download(s) left in a resume store`);
  console.log(`errors: ${errors.length}`);
  const distinct = new Map<string, number>();
  for (const { kind, message } of errors) {
    const key = `${kind}: ${message}`;
    distinct.set(key, (distinct.get(key) ?? 0) + 1);
  }
  for (const [key, count] of [...distinct].slice(0, 20)) console.log(`  ${count} x ${key}`);
  console.log(`checks: ${checks.problems.length === 0 ? "all passed" : "FAILED"}`);
  for (const problem of checks.problems.slice(0, 20)) console.log(`  ${problem}`);
  return errors.length > 0 || checks.problems.length > 0;
}
