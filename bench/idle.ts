/**
 * `deno task bench:idle`: what an idle logged-in session costs the server,
 * on each front: native protocol and FTP (--front, both by default, each on
 * a fresh server). Starts `ftpx serve` and warms it up with rounds of
 * concurrent logins on that front
 * until its RSS stops growing: the first logins allocate the 16 MiB scrypt
 * buffer of the main thread, which hashes passwords, and warm the code up,
 * a one-off cost that is not a session's (reported apart). Then measures
 * its RSS, opens --sessions connections from this process and logs each
 * in (native: `login`; FTP: USER and PASS on a control connection), checks
 * each answers (`pwd`, NOOP), and measures again: (RSS with the sessions -
 * RSS before) / sessions, against a target of 50 KB. Then closes them and
 * measures once more. Exits 1 if a front is above the target.
 *
 * Needs two file descriptors per session (one here, one in the server): if
 * the open-file limit is too low it is raised to the hard limit for both
 * processes by running again under `sh -c 'ulimit -n N'`.
 *
 * Usage: deno task bench:idle [--sessions 2000] [--users 10] [--workers 0]
 *          [--front both|native|ftp] [--dir /tmp]
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { Connection } from "../client/connection.ts";
import { formatSize } from "../protocol/size.ts";
import { BenchServer } from "./_lib.ts";
import { RawFtpClient } from "../tests/_ftp.ts";
import { formatMs, memoryOf, percentile, writeLoadIni } from "./_load.ts";

const USAGE = "Usage: deno task bench:idle [--sessions 2000] [--users 10] [--workers 0] " +
  "[--front both|native|ftp] [--dir /tmp]";
const FRONTS = ["native", "ftp"] as const;
type Front = typeof FRONTS[number];
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
    front: { type: "string", default: "both" },
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
const fronts: readonly Front[] = values.front === "both"
  ? FRONTS
  : FRONTS.filter((front) => front === values.front);
if (fronts.length === 0) {
  console.error(`error: --front must be both, native or ftp\n${USAGE}`);
  Deno.exit(2);
}

await ensureFileLimit(sessions + 256);
const root = await Deno.makeTempDir({ dir: values.dir, prefix: "ftpx-idle-" });
let failed = false;
try {
  for (const front of fronts) {
    if (await main(front)) failed = true;
  }
} finally {
  await Deno.remove(root, { recursive: true });
}
Deno.exit(failed ? 1 : 0);

async function main(front: Front): Promise<boolean> {
  const dir = await Deno.makeTempDir({ dir: root, prefix: `${front}-` });
  const ini = join(dir, "server.ini");
  const settings = await writeLoadIni(ini, { workers: String(values.workers) });
  const ftpArgs = front === "ftp" ? ["--ftp-port", "0"] : [];
  const server = await BenchServer.start(join(dir, "data"), ["--config", ini, ...ftpArgs]);
  try {
    const users = Array.from({ length: userCount }, (_, i) => ({
      user: `idle${i}`,
      password: `idle-password-${i}`,
    }));
    await Promise.all(users.map(({ user, password }) => server.addUser(user, password)));
    const target: Target = { front, port: front === "ftp" ? server.ftpPort! : server.port, users };
    console.log(
      `ftpx idle ${front} sessions: ${sessions} sessions, ${userCount} users; ` +
        `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}; open-file limit ${
          (await fileLimit()).soft
        }; server settings: ${settings.join(" ")}`,
    );

    const fresh = await settledRss(server.pid);
    const warmUp = await warmUpLogins(target, server.pid);
    const before = warmUp.rss;

    const opened = await openSessions(target, sessions);
    await Promise.all(opened.sessions.map((session) => session.check()));
    const during = await settledRss(server.pid);
    await closeAll(opened.sessions);
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
      `per idle ${front} session: ${(perSession / 1000).toFixed(1)} KB (target: under ${
        TARGET_BYTES_PER_SESSION / 1000
      } KB)\n`,
    );
    return perSession >= TARGET_BYTES_PER_SESSION;
  } finally {
    await server.stop();
  }
}

/** Where sessions log in: a front's port and the accounts to use in turn. */
interface Target {
  front: Front;
  port: number;
  users: { user: string; password: string }[];
}

/** A logged-in session of either front. */
interface IdleSession {
  /** Checks that it still answers (native `pwd`, FTP NOOP). */
  check(): Promise<void>;
  /** Says goodbye (native `quit`, FTP QUIT) and closes. */
  close(): Promise<void>;
}

/** Connects and logs in on `target`'s front. */
async function openSession(
  target: Target,
  account: { user: string; password: string },
): Promise<IdleSession> {
  if (target.front === "native") {
    const connection = await Connection.open({ host: "127.0.0.1", port: target.port });
    try {
      await connection.call("login", account);
    } catch (error) {
      connection.close();
      throw error;
    }
    return {
      check: async () => void await connection.call("pwd"),
      close: async () => {
        await connection.call("quit").catch(() => {});
        connection.close();
      },
    };
  }
  const { client } = await RawFtpClient.connect(target.port);
  const expect = async (line: string, code: string) => {
    const reply = await client.command(line);
    if (!reply.startsWith(code)) throw new Error(`${line.split(" ")[0]}: ${reply}`);
  };
  try {
    await expect(`USER ${account.user}`, "331");
    await expect(`PASS ${account.password}`, "230");
  } catch (error) {
    client.close();
    throw error;
  }
  return {
    check: () => expect("NOOP", "200"),
    close: async () => {
      await client.command("QUIT").catch(() => "");
      client.close();
    },
  };
}

/** Rounds of logins (closed after each) until a round no longer raises the server's RSS. */
async function warmUpLogins(
  target: Target,
  pid: number,
): Promise<{ rss: number; rounds: number; logins: number }> {
  let rss = 0;
  for (let round = 1; round <= MAX_WARM_UP_ROUNDS; round++) {
    await closeAll((await openSessions(target, WARM_UP_SESSIONS)).sessions);
    const now = await settledRss(pid);
    if (round > 1 && now - rss < SETTLED_GROWTH_BYTES) {
      return { rss: now, rounds: round, logins: round * WARM_UP_SESSIONS };
    }
    rss = Math.max(rss, now);
  }
  throw new Error(`The server's RSS kept growing over ${MAX_WARM_UP_ROUNDS} rounds of logins`);
}

/** Opens `count` logged-in sessions, a bounded number of logins at a time. */
async function openSessions(
  target: Target,
  count: number,
): Promise<{ sessions: IdleSession[]; latencies: number[]; ms: number }> {
  const opened: IdleSession[] = [];
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const begin = performance.now();
      opened.push(await openSession(target, target.users[index % target.users.length]!));
      latencies.push(performance.now() - begin);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(LOGIN_CONCURRENCY, count) }, worker));
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
  return { sessions: opened, latencies, ms: performance.now() - started };
}

async function closeAll(sessions: IdleSession[]): Promise<void> {
  await Promise.all(sessions.map((session) => session.close()));
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
