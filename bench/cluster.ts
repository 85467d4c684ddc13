/**
 * `deno task bench:cluster`: one node against two on PostgreSQL behind
 * HAProxy, beside the SQLite baseline, measured in one run on loopback.
 *
 * Four setups, each on a fresh data dir (and, for PostgreSQL, a fresh
 * database of one real cluster started for the run, `tests/_postgres.ts`),
 * the same accounts imported into each (`ftpx import`, from one export):
 *   (a) SQLite, 1 node, clients connect directly (the baseline);
 *   (b) PostgreSQL, 1 node, direct;
 *   (c) PostgreSQL, 1 node behind HAProxy (PROXY v2, `tests/_haproxy.ts`);
 *   (d) PostgreSQL, 2 nodes behind HAProxy (round robin), one data dir.
 * The nodes of a setup share the cores between them: each runs cores / nodes
 * server threads (`workers`; --node-workers to set), so that (d) runs as
 * many server threads as (a) to (c), not twice as many on the same cores.
 * All four run at once (an idle setup costs a lease renewal every few
 * seconds), so that they take turns within each run and whatever else
 * loads the machine weighs on all of them alike. First, once per setup:
 *   - first logins: --logins accounts never logged in on these nodes log in
 *     all at once (connect, hello, login): each pays scrypt.
 * Then --runs runs, each setup in turn, each run starting with the next
 * setup (medians of the runs are shown):
 *   - repeated logins: one account, after 16 logins that put it in every
 *     server thread's login cache (`login_cache`), logs in 4 x --logins
 *     times at once: the rate without scrypt;
 *   - `stat` round trips on one session: p50 and p99, so (b) - (a) is what
 *     PostgreSQL adds to an operation (each reads the account) and
 *     (c) - (b) what HAProxy adds;
 *   - download and upload: --clients sessions in two helper processes, all
 *     logged in first, then every get (discarded) or put (sha256 sent
 *     ahead) at once, one file of --size each; MB/s;
 *   - mixed small operations: --clients x 4 clients in two driver processes
 *     (`_load_driver.ts`) for --duration seconds, each in its own directory
 *     and checking every answer: stat, ls, mkdir, rmdir, put of a tiny file,
 *     rm; operations per second (any error fails the run).
 * The files (data dirs, transfer files) live on a tmpfs mounted under --dir
 * when run as root (unmounted at the end; --no-tmpfs: on --dir itself), so
 * the disk, shared with whatever else runs, stays out of the figures;
 * PostgreSQL runs without durability (fsync off, as in the tests).
 * One table follows, each figure with its ratio to (a) of the same run.
 * Everything started (PostgreSQL, HAProxy, nodes, helpers) is stopped by
 * pid at the end, on an error, on Ctrl-C and after --timeout minutes.
 *
 * Usage: deno task bench:cluster [--quick] [--size 64M] [--runs 3] [--clients 4]
 *          [--logins 32] [--duration 4] [--rounds 2000] [--node-workers N] [--dir /tmp]
 *          [--no-tmpfs] [--timeout 10] [--haproxy-config]
 */

import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { Connection } from "../client/connection.ts";
import { formatSize, parseSize } from "../protocol/size.ts";
import { fileSha256 } from "../tests/_data.ts";
import { freePort, startHaproxy } from "../tests/_haproxy.ts";
import { POSTGRES_PASSWORD, type PostgresServer, startPostgres } from "../tests/_postgres.ts";
import { runFtpx } from "../tests/_spawn.ts";
import { RunGuard } from "./_guard.ts";
import { run } from "./_peers.ts";
import {
  BenchServer,
  concurrentGets,
  concurrentPuts,
  logIn,
  median,
  type NativeLogin,
  statRoundTrips,
  type Upload,
  writeTestFile,
} from "./_lib.ts";
import {
  DOCUMENTED_NATIVE_LISTEN,
  nativeListen,
  type NativeListenOptions,
  nodeSettings,
} from "./_cluster.ts";
import {
  type DriverResult,
  type Kind,
  percentile,
  type PoolFile,
  startDriver,
  writeLoadIni,
} from "./_load.ts";

const USAGE = "Usage: deno task bench:cluster [--quick] [--size 64M] [--runs 3] [--clients 4] " +
  "[--logins 32] [--duration 4] [--rounds 2000] [--node-workers N] [--dir /tmp] [--no-tmpfs] " +
  "[--timeout 10] [--haproxy-config]";
const USER = "bench";
const PASSWORD = "bench-password";
/** Logins of the repeated-login account before its burst: enough to reach every server thread. */
const CACHE_WARM_LOGINS = 16;
/** Mixed-phase clients per transfer client. */
const MIXED_CLIENTS_PER_CLIENT = 4;
/** The small operations of the mixed phase (puts are of the tiny pool files below). */
const SMALL_MIX: [Kind, number][] = [
  ["stat", 30],
  ["ls", 25],
  ["mkdir", 15],
  ["rmdir", 10],
  ["put", 10],
  ["rm", 10],
];
const TINY_SIZES = [0, 1, 4095];
/** Setting up adds accounts with this many `ftpx adduser` at a time. */
const ADDUSER_CONCURRENCY = 4;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    size: { type: "string" },
    runs: { type: "string" },
    clients: { type: "string", default: "4" },
    logins: { type: "string" },
    duration: { type: "string" },
    rounds: { type: "string" },
    "node-workers": { type: "string" },
    dir: { type: "string", default: "/tmp" },
    "no-tmpfs": { type: "boolean" },
    timeout: { type: "string", default: "10" },
    "haproxy-config": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (values["haproxy-config"]) {
  console.log(nativeListen(DOCUMENTED_NATIVE_LISTEN));
  Deno.exit(0);
}
const quick = values.quick ?? false;
const size = parseSize(values.size ?? (quick ? "32M" : "64M"));
const runs = Number(values.runs ?? (quick ? "1" : "3"));
const clients = Number(values.clients);
const logins = Number(values.logins ?? (quick ? "16" : "32"));
const duration = Number(values.duration ?? (quick ? "3" : "4"));
const rounds = Number(values.rounds ?? (quick ? "500" : "2000"));
const timeoutMinutes = Number(values.timeout);
/** Server threads per node of a setup of `nodes` nodes. */
const nodeWorkers = (nodes: number) =>
  values["node-workers"] === undefined
    ? Math.max(1, Math.floor(navigator.hardwareConcurrency / nodes))
    : Number(values["node-workers"]);
if (
  !(Number.isSafeInteger(nodeWorkers(1)) && nodeWorkers(1) >= 1) ||
  ![runs, clients, logins, duration, rounds].every((n) => Number.isSafeInteger(n) && n >= 1) ||
  !(timeoutMinutes > 0) || size < 1
) {
  console.error(
    `error: bad --size, --runs, --clients, --logins, --duration, --rounds, --node-workers or --timeout
${USAGE}`,
  );
  Deno.exit(2);
}

const guard = new RunGuard(timeoutMinutes);
const DB_ENV = { FTPX_DB_PASSWORD: POSTGRES_PASSWORD };

/** One of the four setups. */
interface Setup {
  key: "a" | "b" | "c" | "d";
  label: string;
  postgres: boolean;
  nodes: number;
  balanced: boolean;
}

const SETUPS: Setup[] = [
  { key: "a", label: "(a) SQLite, 1 node", postgres: false, nodes: 1, balanced: false },
  { key: "b", label: "(b) PG, 1 node", postgres: true, nodes: 1, balanced: false },
  { key: "c", label: "(c) PG, 1 node, HAProxy", postgres: true, nodes: 1, balanced: true },
  { key: "d", label: "(d) PG, 2 nodes, HAProxy", postgres: true, nodes: 2, balanced: true },
];

/** What the run prepared once for every setup. */
interface Shared {
  root: string;
  /** Every account as `ftpx export` wrote it (imported into each setup). */
  accounts: string;
  /** The burst's accounts (never logged in before their setup's burst). */
  burstUsers: string[];
  /** Files each setup's `bench` home gets hard links of, for the downloads. */
  downloads: string[];
  uploads: { local: string; sha256: string }[];
  pool: PoolFile[];
  postgres: PostgresServer;
}

/** One setup's figures. */
interface Figures {
  firstLogins: number;
  repeatedLogins: number;
  statP50: number;
  statP99: number;
  download: number;
  upload: number;
  mixed: number;
}

async function main(): Promise<void> {
  const root = await Deno.makeTempDir({ dir: values.dir, prefix: "ftpx-cluster-" });
  guard.onCleanUp(() => Deno.remove(root, { recursive: true }));
  const onTmpfs = !values["no-tmpfs"] && (await run("id", ["-u"])).trim() === "0";
  if (onTmpfs) {
    // The files, and one run's uploads at a time, with room to spare.
    const megabytes = Math.ceil((3 * clients * size + 512 * 1024 * 1024) / 1024 / 1024);
    await run("mount", ["-t", "tmpfs", "-o", `size=${megabytes}m,mode=0755`, "ftpx-cluster", root]);
    guard.onCleanUp(() => run("umount", [root]).then(() => {}));
  }
  step("starting PostgreSQL");
  const postgres = await startPostgres();
  guard.onCleanUp(() => postgres.stop());
  const versions = await componentVersions(postgres);
  console.log(
    `ftpx bench:cluster: ${clients} x ${formatSize(size)} transfers, ` +
      `${logins} first logins, ${logins * 4} repeated, ${rounds} stat round trips, ` +
      `${clients * MIXED_CLIENTS_PER_CLIENT} clients x ${duration}s of small operations, ` +
      `medians of ${runs} run(s), the setups taking turns in each; server threads per node: ` +
      `${nodeWorkers(1)} (1 node), ${nodeWorkers(2)} (2 nodes); loopback, ` +
      `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ${versions}; ` +
      `files on ${onTmpfs ? "a tmpfs at " : ""}${root}`,
  );
  step(`${logins + 1} accounts, test files`);
  const shared = await prepare(root, postgres);
  const running: RunningSetup[] = [];
  for (const setup of SETUPS) {
    step(`starting ${setup.label}`);
    running.push(await startSetup(setup, shared));
  }
  step("first logins");
  const firstLogins = new Map<Setup["key"], number>();
  for (const { setup, port } of running) {
    firstLogins.set(setup.key, await loginBurst(port, shared.burstUsers));
  }
  const samples = new Map<Setup["key"], RunFigures[]>(SETUPS.map((setup) => [setup.key, []]));
  for (let round = 0; round < runs; round++) {
    step(`run ${round + 1}/${runs}`);
    // Each run starts with the next setup, so none always follows the same one.
    const first = round % running.length;
    const order = [...running.slice(first), ...running.slice(0, first)];
    for (const { setup, port, dir } of order) {
      samples.get(setup.key)!.push(await measureRun(port, shared, { dir, run: round }));
    }
  }
  const results = new Map<Setup["key"], Figures>();
  for (const setup of SETUPS) {
    const runsOf = samples.get(setup.key)!;
    const medianOf = (pick: (figures: RunFigures) => number) => median(runsOf.map(pick));
    results.set(setup.key, {
      firstLogins: firstLogins.get(setup.key)!,
      repeatedLogins: medianOf((f) => f.repeatedLogins),
      statP50: medianOf((f) => f.statP50),
      statP99: medianOf((f) => f.statP99),
      download: medianOf((f) => f.download),
      upload: medianOf((f) => f.upload),
      mixed: medianOf((f) => f.mixed),
    });
  }
  printTable(results);
}

const STARTED = performance.now();

function step(text: string): void {
  console.log(`  ${((performance.now() - STARTED) / 1000).toFixed(0).padStart(3)} s  ${text}...`);
}

/** PostgreSQL's and HAProxy's versions, as they report them. */
async function componentVersions(postgres: PostgresServer): Promise<string> {
  const pg = (await postgres.psql("postgres", "SHOW server_version")).trim();
  const haproxy = await new Deno.Command("haproxy", { args: ["-v"], stdout: "piped" }).output();
  const line = new TextDecoder().decode(haproxy.stdout).split("\n")[0] ?? "";
  return `PostgreSQL ${pg}, HAProxy ${/version (\S+)/.exec(line)?.[1] ?? "?"}`;
}

/** The accounts (exported once), the transfer files, the tiny pool of the mixed phase. */
async function prepare(root: string, postgres: PostgresServer): Promise<Shared> {
  const seed = join(root, "seed");
  const burstUsers = Array.from({ length: logins }, (_, i) => `burst${i}`);
  const names = [USER, ...burstUsers];
  for (let i = 0; i < names.length; i += ADDUSER_CONCURRENCY) {
    await Promise.all(
      names.slice(i, i + ADDUSER_CONCURRENCY).map(async (name) => {
        const added = await runFtpx(
          ["adduser", name, "--password-stdin", "--data", seed],
          { stdin: `${passwordOf(name)}\n` },
        );
        if (added.code !== 0) throw new Error(`adduser ${name}: ${added.stderr}`);
      }),
    );
  }
  const exported = await runFtpx(["export", "--data", seed]);
  if (exported.code !== 0) throw new Error(`export: ${exported.stderr}`);
  const files = join(root, "files");
  await Deno.mkdir(files);
  const downloads: string[] = [];
  const uploads: { local: string; sha256: string }[] = [];
  for (let i = 0; i < clients; i++) {
    const download = join(files, `dl${i}.bin`);
    await writeTestFile(download, size);
    downloads.push(download);
    const upload = join(files, `up${i}.bin`);
    await writeTestFile(upload, size);
    uploads.push({ local: upload, sha256: await fileSha256(upload) });
  }
  const pool = await Promise.all(TINY_SIZES.map(async (tiny, i) => {
    const path = join(files, `tiny${i}.bin`);
    await writeTestFile(path, tiny);
    return { path, size: tiny, sha256: await fileSha256(path) };
  }));
  return { root, accounts: exported.stdout, burstUsers, downloads, uploads, pool, postgres };
}

function passwordOf(user: string): string {
  return user === USER ? PASSWORD : `${user}-password`;
}

/** A started setup: where its clients connect, its scratch directory. */
interface RunningSetup {
  setup: Setup;
  port: number;
  dir: string;
}

/** Imports the accounts, starts the nodes (and HAProxy); all stopped by the guard. */
async function startSetup(setup: Setup, shared: Shared): Promise<RunningSetup> {
  const dir = join(shared.root, setup.key);
  const dataDir = join(dir, "data");
  await Deno.mkdir(dir);
  const db = setup.postgres ? await shared.postgres.createDatabase(`ftpx_${setup.key}`) : null;
  const store = db === null ? ["--data", dataDir] : ["--data", dataDir, "--db", db];
  if (db !== null) {
    const migrated = await runFtpx(["migrate", "--db", db], { env: DB_ENV });
    if (migrated.code !== 0) throw new Error(`migrate: ${migrated.stderr}`);
  }
  const imported = await runFtpx(["import", ...store], { stdin: shared.accounts, env: DB_ENV });
  if (imported.code !== 0) throw new Error(`import: ${imported.stderr}`);
  await placeFiles(dataDir, shared);

  const nodes: BenchServer[] = [];
  for (let n = 1; n <= setup.nodes; n++) {
    const ini = join(dir, `node${n}.ini`);
    await writeLoadIni(
      ini,
      nodeSettings({
        nodeId: `node${n}`,
        workers: nodeWorkers(setup.nodes),
        ...(setup.balanced ? { proxyFrom: "127.0.0.1" } : {}),
      }),
    );
    const node = await BenchServer.start(dataDir, ["--config", ini, ...store], { env: DB_ENV });
    guard.onCleanUp(() => node.stop());
    nodes.push(node);
  }
  if (!setup.balanced) return { setup, port: nodes[0]!.port, dir };
  const port = freePort();
  const listen: NativeListenOptions = {
    bind: `127.0.0.1:${port}`,
    nodes: nodes.map((node, i) => ({ name: `node${i + 1}`, host: "127.0.0.1", port: node.port })),
  };
  const haproxy = await startHaproxy(nativeListen(listen));
  guard.onCleanUp(() => haproxy.stop());
  return { setup, port, dir };
}

/** Hard links of the download files in `bench`'s home; an empty /shared in every home. */
async function placeFiles(dataDir: string, shared: Shared): Promise<void> {
  for (const user of [USER, ...shared.burstUsers]) {
    await Deno.mkdir(join(dataDir, "home", user, "shared"), { recursive: true });
  }
  for (const file of shared.downloads) {
    await Deno.link(file, join(dataDir, "home", USER, basename(file)));
  }
}

/** The figures of one run of one setup (all but the first logins, measured once). */
type RunFigures = Omit<Figures, "firstLogins">;

/** Which run this is, and the setup's scratch directory. */
interface RunOptions {
  run: number;
  dir: string;
}

async function measureRun(port: number, shared: Shared, options: RunOptions): Promise<RunFigures> {
  const { run, dir } = options;
  // After a first run, every thread has the account cached already; the warm-up costs nothing.
  for (let i = 0; i < CACHE_WARM_LOGINS; i++) await loginBurst(port, [USER]);
  const repeatedLogins = await loginBurst(port, Array(logins * 4).fill(USER));

  const downloadPaths = shared.downloads.map((file) => basename(file));
  const session = await logIn(port, USER, PASSWORD);
  let stat: number[];
  try {
    // The server hashes a file on its first whole download: have it learn them first.
    if (run === 0) {
      for (const path of downloadPaths) await session.call("checksum", { path });
    }
    stat = await statRoundTrips(session, downloadPaths[0]!, rounds);
  } finally {
    session.close();
  }

  const login = { port, user: USER, password: PASSWORD };
  const download = await concurrentGets(login, downloadPaths);
  const batch: Upload[] = shared.uploads.map((upload, i) => ({
    ...upload,
    remote: `up-${run}-${i}.bin`,
  }));
  const upload = await concurrentPuts(login, batch);
  await removeFiles(login, batch.map((file) => file.remote));
  return {
    repeatedLogins,
    statP50: percentile(stat, 50),
    statP99: percentile(stat, 99),
    download,
    upload,
    mixed: await mixedOperations(port, shared, { dir: join(dir, `run${run}`), run }),
  };
}

/** Removes what a run uploaded (the next run uploads as much again). */
async function removeFiles(login: NativeLogin, paths: string[]): Promise<void> {
  const session = await logIn(login.port, login.user, login.password);
  try {
    for (const path of paths) await session.call("rm", { path });
  } finally {
    session.close();
  }
}

/** Logins per second of `users` logging in all at once (connect, hello, login), then leaving. */
async function loginBurst(port: number, users: string[]): Promise<number> {
  const started = performance.now();
  const sessions = await Promise.all(users.map(async (user) => {
    const connection = await Connection.open({ host: "127.0.0.1", port });
    try {
      await connection.call("login", { user, password: passwordOf(user) });
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(sessions.map((connection) => connection.request("quit").catch(() => {})));
  for (const connection of sessions) connection.close();
  return users.length / seconds;
}

/** Operations per second of the small mix, from two driver processes; any error fails the run. */
async function mixedOperations(
  port: number,
  shared: Shared,
  options: RunOptions,
): Promise<number> {
  const { dir, run } = options;
  const count = clients * MIXED_CLIENTS_PER_CLIENT;
  await Deno.mkdir(dir);
  const drivers = [0, 1].map((index) =>
    startDriver({
      port,
      duration,
      // Each run's clients work in new directories (/load/cID): ids of their own.
      clients: Array.from({ length: count }, (_, i) => run * count + i)
        .filter((id) => id % 2 === index)
        .map((id) => {
          const user = shared.burstUsers[id % shared.burstUsers.length]!;
          return { id, user, password: passwordOf(user) };
        }),
      pool: shared.pool,
      shared: {},
      workDir: join(dir, `driver${index}`),
      mix: SMALL_MIX,
    }, { index, readDir: shared.root })
  );
  guard.onCleanUp(async () => {
    for (const driver of drivers) {
      try {
        Deno.kill(driver.pid);
      } catch {
        // Already exited.
      }
      await driver.result.catch(() => {});
    }
  });
  await Promise.all(drivers.map((driver) => driver.ready));
  drivers.forEach((driver) => driver.go());
  const results: DriverResult[] = await Promise.all(drivers.map((driver) => driver.result));
  const errors = results.flatMap((result) => result.errors);
  if (errors.length > 0) {
    const first = errors.slice(0, 5).map(({ kind, message }) => `${kind}: ${message}`);
    throw new Error(`${errors.length} error(s) in the mixed phase:\n  ${first.join("\n  ")}`);
  }
  const operations = results.reduce(
    (sum, result) => sum + Object.values(result.latencies).reduce((n, l) => n + l.length, 0),
    0,
  );
  return operations / (Math.max(...results.map((result) => result.runMs)) / 1000);
}

/** Rows of the table: label, unit, where the figure is (the footnote says which way is better). */
const ROWS: { label: string; unit: string; pick: (f: Figures) => number }[] = [
  {
    label: `download, ${clients} x ${formatSize(size)} at once`,
    unit: "MB/s",
    pick: (f) => f.download,
  },
  {
    label: `upload, ${clients} x ${formatSize(size)} at once`,
    unit: "MB/s",
    pick: (f) => f.upload,
  },
  {
    label: `small ops, ${clients * MIXED_CLIENTS_PER_CLIENT} clients`,
    unit: "ops/s",
    pick: (f) => f.mixed,
  },
  {
    label: `first logins, ${logins} at once (scrypt)`,
    unit: "/s",
    pick: (f) => f.firstLogins,
  },
  {
    label: `repeated logins, ${logins * 4} at once (cache)`,
    unit: "/s",
    pick: (f) => f.repeatedLogins,
  },
  { label: "stat round trip p50", unit: "us", pick: (f) => f.statP50 },
  { label: "stat round trip p99", unit: "us", pick: (f) => f.statP99 },
];

function printTable(results: Map<Setup["key"], Figures>): void {
  const baseline = results.get("a")!;
  const header = [
    "measurement",
    ...SETUPS.flatMap((s) => s.key === "a" ? [s.label] : [s.label, "/ a"]),
  ];
  const lines = [header];
  for (const row of ROWS) {
    const base = row.pick(baseline);
    const cells = [`${row.label} (${row.unit})`];
    for (const setup of SETUPS) {
      const value = row.pick(results.get(setup.key)!);
      cells.push(format(value));
      if (setup.key !== "a") cells.push(base > 0 ? `${(value / base).toFixed(2)}x` : "-");
    }
    lines.push(cells);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const render = (line: string[]) =>
    `| ${
      line.map((cell, i) => i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)).join(
        " | ",
      )
    } |`;
  console.log("");
  console.log(render(header));
  console.log(`|${widths.map((w, i) => `${"-".repeat(w + 1)}${i === 0 ? "-" : ":"}`).join("|")}|`);
  for (const line of lines.slice(1)) console.log(render(line));
  const b = results.get("b")!;
  const c = results.get("c")!;
  console.log(
    `\n/ a: the setup's figure over (a)'s in this run (MB/s, ops/s, /s: above 1 is better; ` +
      `us: below 1 is better). PostgreSQL adds ${format(b.statP50 - baseline.statP50)} us ` +
      `(p50) and ${format(b.statP99 - baseline.statP99)} us (p99) to a stat, (b) - (a); ` +
      `HAProxy ${format(c.statP50 - b.statP50)} us (p50), (c) - (b).`,
  );
}

function format(value: number): string {
  if (!Number.isFinite(value)) return "-";
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString("en");
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

// Last, once every constant above is defined.
await guard.run(main);
