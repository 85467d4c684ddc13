/**
 * `deno task bench:idle`: what an idle logged-in session costs the server.
 * Starts `ftpx serve` and warms it up with rounds of concurrent logins
 * until its RSS stops growing: the first logins allocate the 16 MiB scrypt
 * buffer of the main thread, which hashes passwords, and warm the code up,
 * a one-off cost that is not a session's (reported apart). Then measures
 * its RSS, opens --sessions connections from this process and logs each
 * in, checks each answers, and measures again: (RSS with the sessions -
 * RSS before) / sessions, against a target of 50 KB. Then closes them and
 * measures once more. Exits 1 above the target.
 *
 * Needs two file descriptors per session (one here, one in the server): if
 * the open-file limit is too low it is raised to the hard limit for both
 * processes by running again under `sh -c 'ulimit -n N'`.
 *
 * Usage: deno task bench:idle [--sessions 2000] [--users 10] [--workers 0] [--dir /tmp]
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { Connection } from "../client/connection.ts";
import { formatSize } from "../protocol/size.ts";
import { BenchServer } from "./_lib.ts";
import { formatMs, memoryOf, percentile, writeLoadIni } from "./_load.ts";

const USAGE =
  "Usage: deno task bench:idle [--sessions 2000] [--users 10] [--workers 0] [--dir /tmp]";
/** Bytes of server RSS one idle session may cost. */
const TARGET_BYTES_PER_SESSION = 50 * 1000;
/** Logins in flight at once (the server hashes a few at a time anyway). */
const LOGIN_CONCURRENCY = 64;
/** Logins per warm-up round, and at most this many rounds. */
const WARM_UP_SESSIONS = LOGIN_CONCURRENCY;
const MAX_WARM_UP_ROUNDS = 10;
/** A warm-up round that raises the RSS by less than this ends the warm-up. */
const SETTLED_GROWTH_BYTES = 2 * 1024 * 1024;
/** RSS samples per measurement (the median is kept), and the gap between them. */
const SAMPLES = 5;
const SAMPLE_GAP_MS = 500;
/** The same permissions as the `bench:idle` task, for running again with a raised limit. */
const PERMISSIONS = [
  "--allow-net=127.0.0.1",
  "--allow-read",
  "--allow-write",
  "--allow-env=FTPX_BIN",
  "--allow-run",
];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sessions: { type: "string", default: "2000" },
    users: { type: "string", default: "10" },
    workers: { type: "string", default: "0" },
    dir: { type: "string", default: "/tmp" },
    "limit-raised": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const sessions = Number(values.sessions);
const userCount = Number(values.users);
if (![sessions, userCount].every((n) => Number.isSafeInteger(n) && n >= 1)) {
  console.error(`error: --sessions and --users must be whole numbers of at least 1\n${USAGE}`);
  Deno.exit(2);
}

await ensureFileLimit(sessions + 256);
const root = await Deno.makeTempDir({ dir: values.dir, prefix: "ftpx-idle-" });
let failed: boolean;
try {
  failed = await main();
} finally {
  await Deno.remove(root, { recursive: true });
}
Deno.exit(failed ? 1 : 0);

async function main(): Promise<boolean> {
  const ini = join(root, "server.ini");
  const settings = await writeLoadIni(ini, { workers: String(values.workers) });
  const server = await BenchServer.start(join(root, "data"), ["--config", ini]);
  try {
    const users = Array.from({ length: userCount }, (_, i) => ({
      user: `idle${i}`,
      password: `idle-password-${i}`,
    }));
    await Promise.all(users.map(({ user, password }) => server.addUser(user, password)));
    console.log(
      `ftpx idle sessions: ${sessions} sessions, ${userCount} users; ${navigator.hardwareConcurrency} cores, ` +
        `Deno ${Deno.version.deno}; open-file limit ${(await fileLimit()).soft}; server settings: ${
          settings.join(" ")
        }`,
    );

    const fresh = await settledRss(server.pid);
    const warmUp = await warmUpLogins(server.port, users, server.pid);
    const before = warmUp.rss;

    const opened = await openSessions(server.port, users, sessions);
    await Promise.all(opened.connections.map((connection) => connection.call("pwd")));
    const during = await settledRss(server.pid);
    await closeAll(opened.connections);
    const after = await settledRss(server.pid);

    const perSession = (during - before) / sessions;
    console.log(
      `logins: ${sessions} in ${(opened.ms / 1000).toFixed(1)}s = ${
        (sessions / (opened.ms / 1000)).toFixed(1)
      }/s (${LOGIN_CONCURRENCY} at a time), p50 ${
        formatMs(percentile(opened.latencies, 50))
      } ms, p99 ${formatMs(percentile(opened.latencies, 99))} ms`,
    );
    console.log(`server RSS fresh:               ${formatSize(fresh)}`);
    console.log(
      `server RSS after ${warmUp.logins} warm-up logins:  ${formatSize(before)} (the scrypt ` +
        `buffer, warmed-up code; it stopped growing after ${warmUp.rounds} rounds)`,
    );
    console.log(`server RSS with ${sessions} sessions: ${formatSize(during)}`);
    console.log(`server RSS after closing them:  ${formatSize(after)}`);
    console.log(
      `per idle session: ${(perSession / 1000).toFixed(1)} KB (target: under ${
        TARGET_BYTES_PER_SESSION / 1000
      } KB)`,
    );
    return perSession >= TARGET_BYTES_PER_SESSION;
  } finally {
    await server.stop();
  }
}

/** Rounds of logins (closed after each) until a round no longer raises the server's RSS. */
async function warmUpLogins(
  port: number,
  users: { user: string; password: string }[],
  pid: number,
): Promise<{ rss: number; rounds: number; logins: number }> {
  let rss = 0;
  for (let round = 1; round <= MAX_WARM_UP_ROUNDS; round++) {
    await closeAll((await openSessions(port, users, WARM_UP_SESSIONS)).connections);
    const now = await settledRss(pid);
    if (round > 1 && now - rss < SETTLED_GROWTH_BYTES) {
      return { rss: now, rounds: round, logins: round * WARM_UP_SESSIONS };
    }
    rss = Math.max(rss, now);
  }
  throw new Error(`The server's RSS kept growing over ${MAX_WARM_UP_ROUNDS} rounds of logins`);
}

/** Opens `count` logged-in connections, a bounded number of logins at a time. */
async function openSessions(
  port: number,
  users: { user: string; password: string }[],
  count: number,
): Promise<{ connections: Connection[]; latencies: number[]; ms: number }> {
  const connections: Connection[] = [];
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const begin = performance.now();
      const connection = await Connection.open({ host: "127.0.0.1", port });
      connections.push(connection);
      await connection.call("login", users[index % users.length]!);
      latencies.push(performance.now() - begin);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(LOGIN_CONCURRENCY, count) }, worker));
  } catch (error) {
    await closeAll(connections);
    throw error;
  }
  return { connections, latencies, ms: performance.now() - started };
}

async function closeAll(connections: Connection[]): Promise<void> {
  await Promise.all(connections.map((connection) => connection.call("quit").catch(() => {})));
  for (const connection of connections) connection.close();
}

/** The server's RSS once it has settled: the median of a few samples. */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_GAP_MS));
    samples.push((await memoryOf(pid)).rss);
  }
  return percentile(samples, 50);
}

/**
 * The open-file limit (soft, hard), asked of the shell: with --allow-run,
 * Deno lets only --allow-all read /proc/self/limits.
 */
async function fileLimit(): Promise<{ soft: number; hard: number }> {
  const output = await new Deno.Command("sh", {
    args: ["-c", "ulimit -Sn; ulimit -Hn"],
    stdout: "piped",
  }).output();
  const [soft, hard] = new TextDecoder().decode(output.stdout).trim().split(/\s+/)
    .map((value) => value === "unlimited" ? Infinity : Number(value));
  return { soft: soft ?? 0, hard: hard ?? 0 };
}

/** Runs this script again under a raised open-file limit if the current one is too low. */
async function ensureFileLimit(needed: number): Promise<void> {
  const { soft, hard } = await fileLimit();
  if (soft >= needed) return;
  if (hard < needed || values["limit-raised"]) {
    console.error(
      `error: ${needed} open files needed, the limit is ${soft} (hard ${hard}): ` +
        `raise it (ulimit -n) or use fewer --sessions`,
    );
    Deno.exit(2);
  }
  console.log(`raising the open-file limit from ${soft} to ${needed}`);
  const status = await new Deno.Command("sh", {
    args: [
      "-c",
      `ulimit -n ${needed} && exec "$0" "$@"`,
      Deno.execPath(),
      "run",
      ...PERMISSIONS,
      new URL(import.meta.url).pathname,
      ...Deno.args,
      "--limit-raised",
    ],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  Deno.exit(status.code);
}
