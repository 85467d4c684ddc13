/**
 * `deno task bench:peers`: ftpx beside vsftpd and pure-ftpd, measured in
 * one run with the same clients, on loopback, the files on a tmpfs.
 *
 * Every server serves the same files (hard links of one set) as the same
 * kind of account: vsftpd and pure-ftpd a local Unix user through PAM,
 * ftpx its own account (scrypt). The FTP rows use the same clients for every
 * server: curl for the 1 GiB download (to /dev/null) and upload (from the
 * tmpfs), Python's ftplib for the rest (16 concurrent downloads, each
 * session logged in before any starts; SIZE and MDTM round trips on one
 * session; LIST of 2,000 entries, its passive data connection included;
 * connect + login). ftpx's native protocol is measured beside, with the
 * bench's protocol-level client (`_fetch.ts`, `_put.ts`, `_lib.ts`). Each
 * throughput row is the median of --runs runs, the servers taking turns
 * within each run; each round-trip row the median of many exchanges.
 * Server memory is the sum over the server's processes (a forking server
 * runs one or two per session): RSS, PSS and USS, fresh and with --sessions
 * idle logged-in sessions (what a session adds: after a first round of logins);
 * server CPU is that of the server and its
 * session processes during the uploads, per GiB. A raw-TCP ceiling (a bare
 * Deno sender and receiver, no protocol) is measured in the same run.
 *
 * Needs root (the peers chroot and authenticate through PAM), curl and
 * python3. vsftpd and pure-ftpd are taken from Debian when missing,
 * unpacked and never installed as services (see `_peers.ts`, which also
 * says what the `ftpxbench` Unix user is for). The files live on a tmpfs
 * this bench mounts under --dir and unmounts at the end (Deno refuses /dev,
 * so /dev/shm is out of reach of a server without --allow-all). Everything
 * it starts is stopped by pid at the end, on error, on Ctrl-C, and after
 * --timeout minutes at the latest.
 *
 * Usage: deno task bench:peers [--quick] [--size 1G] [--runs 3] [--sessions 100]
 *          [--dir /tmp] [--no-tmpfs] [--timeout 15]
 */

import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatSize, parseSize } from "../protocol/size.ts";
import { RunGuard } from "./_guard.ts";
import { RawFtpClient } from "../tests/_ftp.ts";
import { Connection } from "../client/connection.ts";
import {
  BenchServer,
  concurrentGets,
  denoScript,
  fetchHelper,
  HELPER_PERMISSIONS,
  listingTime,
  logIn,
  mbPerSecond,
  median,
  rawTcp,
  statRoundTrip,
  writeTestFile,
} from "./_lib.ts";
import {
  ensurePeerBinaries,
  type FtpServer,
  lockPeerUser,
  passiveRanges,
  PEER_USER,
  preparePeerUser,
  run,
  startPureFtpd,
  startVsftpd,
} from "./_peers.ts";
import { sampleTreeCpu, treeFigures } from "./_proc.ts";

const USAGE = "Usage: deno task bench:peers [--quick] [--size 1G] [--runs 3] [--sessions 100] " +
  "[--dir /tmp] [--no-tmpfs] [--timeout 15]";
const FTPX_USER = "bench";
const FTPX_PASSWORD = "bench-password";
const CONCURRENT = 16;
const LIST_ENTRIES = 2000;
const PYTHON_CLIENT = fileURLToPath(new URL("./_ftp_client.py", import.meta.url));
/** Idle sessions logging in at once (ftpx hashes one password at a time anyway). */
const LOGIN_CONCURRENCY = 8;
/** Memory samples per figure (the median is kept), and the gap between them. */
const MEMORY_SAMPLES = 3;
const SAMPLE_GAP_MS = 300;
const CURL_MAX_SECONDS = 120;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    size: { type: "string" },
    runs: { type: "string" },
    sessions: { type: "string", default: "100" },
    dir: { type: "string", default: "/tmp" },
    "no-tmpfs": { type: "boolean" },
    timeout: { type: "string", default: "15" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const quick = values.quick ?? false;
const size = parseSize(values.size ?? (quick ? "128M" : "1G"));
const runs = Number(values.runs ?? (quick ? "1" : "3"));
const sessions = Number(values.sessions);
const timeoutMinutes = Number(values.timeout);
/** Exchanges per round-trip row, listings per LIST row, logins per login row. */
const ROUNDS = quick
  ? { roundTrip: 300, list: 6, login: 6 }
  : { roundTrip: 2000, list: 20, login: 20 };
if (
  ![runs, sessions].every((n) => Number.isSafeInteger(n) && n >= 1) || !(timeoutMinutes > 0) ||
  size < CONCURRENT
) {
  console.error(`error: bad --size, --runs, --sessions or --timeout\n${USAGE}`);
  Deno.exit(2);
}

const guard = new RunGuard(timeoutMinutes);

/** A server under test and how the rows reach it. */
interface Target {
  name: string;
  server: FtpServer;
  user: string;
  password: string;
  /** The name its uploads get (each server its own, they may share a directory). */
  upload: string;
  /** Deletes an uploaded file before the next upload. */
  remove(path: string): Promise<void>;
}

async function main(): Promise<void> {
  const uid = (await run("id", ["-u"])).trim();
  if (uid !== "0") throw new Error("bench:peers needs root (vsftpd and pure-ftpd chroot, PAM)");
  const binaries = await ensurePeerBinaries((line) => console.log(line));
  const root = await Deno.makeTempDir({ dir: values.dir, prefix: "ftpx-peers-" });
  guard.onCleanUp(() => Deno.remove(root, { recursive: true }));
  if (!values["no-tmpfs"]) {
    // Room for the file, the 16 parts and one upload at a time, with some to spare.
    const tmpfsBytes = Math.ceil((3 * size + 256 * 1024 * 1024) / 1024 / 1024);
    await run("mount", ["-t", "tmpfs", "-o", `size=${tmpfsBytes}m,mode=0755`, "ftpx-peers", root]);
    guard.onCleanUp(() => run("umount", [root]).then(() => {}));
  }
  await Deno.chmod(root, 0o755);
  const peerHome = join(root, "peer-home");
  await Deno.mkdir(peerHome);
  const peerPassword = await preparePeerUser(peerHome);
  guard.onCleanUp(lockPeerUser);

  console.log(
    `ftpx bench:peers: ${formatSize(size)} file, ${CONCURRENT} x ${
      formatSize(Math.floor(size / CONCURRENT))
    }, median of ${runs} run(s), ${sessions} idle sessions; loopback, ` +
      `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ${
        values["no-tmpfs"] ? "" : "tmpfs "
      }${root}`,
  );
  const files = await prepareFiles(root, peerHome);

  const [vsftpdPasv, pureFtpdPasv, ftpxPasv] = passiveRanges(3);
  const ini = join(root, "ftpx.ini");
  await Deno.writeTextFile(
    ini,
    [
      "login_attempts_per_minute = 10000",
      `max_sessions_per_address = ${sessions + 64}`,
      `pasv_ports = ${ftpxPasv!.first}-${ftpxPasv!.last}`,
      "",
    ].join("\n"),
  );
  const startFtpx = async (name: string): Promise<BenchServer> => {
    const server = await BenchServer.start(join(root, name), ["--ftp-port", "0", "--config", ini]);
    guard.onCleanUp(() => server.stop());
    await server.addUser(FTPX_USER, FTPX_PASSWORD);
    return server;
  };
  const ftpx = await startFtpx("ftpx-data");
  await linkInto(peerHome, ftpx.home(FTPX_USER), files.names);
  const peerOptions = { home: peerHome, workDir: root };
  const vsftpd = await startVsftpd({ ...peerOptions, binary: binaries.vsftpd, pasv: vsftpdPasv! });
  guard.onCleanUp(() => vsftpd.stop());
  const pureFtpd = await startPureFtpd({
    ...peerOptions,
    binary: binaries.pureFtpd,
    pasv: pureFtpdPasv!,
  });
  guard.onCleanUp(() => pureFtpd.stop());

  const removePeerFile = (path: string) => Deno.remove(join(peerHome, path)).catch(() => {});
  const native: NativeTarget = { port: ftpx.port, pid: ftpx.pid };
  const removeFtpxFile = async (path: string) => {
    const connection = await logIn(native.port, FTPX_USER, FTPX_PASSWORD);
    try {
      await connection.request("rm", { path });
    } finally {
      connection.close();
    }
  };
  const peer = (server: FtpServer): Target => ({
    name: server.name,
    server,
    user: PEER_USER,
    password: peerPassword,
    upload: `up-${server.name}.bin`,
    remove: removePeerFile,
  });
  const targets: Target[] = [
    peer(vsftpd),
    peer(pureFtpd),
    {
      name: "ftpx",
      server: { name: "ftpx", ftpPort: ftpx.ftpPort!, pid: ftpx.pid, stop: () => ftpx.stop() },
      user: FTPX_USER,
      password: FTPX_PASSWORD,
      upload: "up-ftp.bin",
      remove: removeFtpxFile,
    },
  ];
  const results = new Results();

  // Memory first, while every server is fresh. ftpx native sessions on a fresh server of their own.
  step("memory: fresh, after a round of logins, with idle logged-in sessions");
  for (const target of targets) {
    results.memory(target.name, await sessionsMemory(target.server.pid, () => ftpSessions(target)));
  }
  const nativeFresh = await startFtpx("ftpx-native-memory");
  results.memory(
    "native",
    await sessionsMemory(nativeFresh.pid, () => nativeSessions(nativeFresh)),
  );
  await nativeFresh.stop();

  // ftpx knows the sha256 of a file it stored; have it learn those of the files linked in.
  await learnDigests(native.port, ["big.bin", ...files.parts]);

  for (let round = 1; round <= runs; round++) {
    step(`transfers, run ${round}/${runs}`);
    results.add("ceiling", "download", await rawTcp(files.source, null));
    for (const target of targets) {
      results.add(target.name, "download", await curlDownload(target, "big.bin"));
      const upload = await measureCpu(target.server.pid, () => curlUpload(target, files.source));
      await target.remove(target.upload);
      results.add(target.name, "upload", upload.result);
      results.add(target.name, "uploadCpu", upload.cpuSeconds / (size / 2 ** 30));
      results.add(target.name, "concurrent", await ftplibConcurrent(target, files.parts));
    }
    results.add("native", "download", await nativeDownload(native.port, "big.bin"));
    const upload = await measureCpu(
      native.pid,
      () => nativeUpload(native.port, files.source, files.sha256),
    );
    await removeFtpxFile("up-native.bin");
    results.add("native", "upload", upload.result);
    results.add("native", "uploadCpu", upload.cpuSeconds / (size / 2 ** 30));
    results.add(
      "native",
      "concurrent",
      await concurrentGets(
        { port: native.port, user: FTPX_USER, password: FTPX_PASSWORD },
        files.parts,
      ),
    );
  }

  step("round trips, listings, logins");
  for (const target of targets) {
    results.add(target.name, "size", await ftplib(target, ["roundtrip", "SIZE", "big.bin"], "us"));
    results.add(target.name, "mdtm", await ftplib(target, ["roundtrip", "MDTM", "big.bin"], "us"));
    results.add(target.name, "list", await ftplib(target, ["list", "listing"], "ms"));
    results.add(target.name, "login", await ftplib(target, ["login"], "ms"));
  }
  const connection = await logIn(native.port, FTPX_USER, FTPX_PASSWORD);
  try {
    results.add("native", "size", await statRoundTrip(connection, "big.bin", ROUNDS.roundTrip));
    results.add(
      "native",
      "list",
      await listingTime(connection, "listing", { entries: LIST_ENTRIES, rounds: ROUNDS.list }),
    );
  } finally {
    connection.close();
  }
  results.add("native", "login", await nativeLoginTime(native.port));
  results.print();
}

function step(text: string): void {
  console.log(`  ${text}...`);
}

/** The shared files: a big one, 16 parts, a directory of 2,000 small files, all in `home`. */
async function prepareFiles(root: string, home: string) {
  const source = join(root, "source.bin");
  await writeTestFile(source, size);
  await Deno.link(source, join(home, "big.bin"));
  const part = Math.floor(size / CONCURRENT);
  const parts = Array.from({ length: CONCURRENT }, (_, i) => `part${i}.bin`);
  for (const name of parts) await writeTestFile(join(home, name), part);
  await Deno.mkdir(join(home, "listing"));
  const listing: string[] = [];
  for (let i = 0; i < LIST_ENTRIES; i++) {
    const name = join("listing", `file-${String(i).padStart(5, "0")}.txt`);
    await Deno.writeFile(join(home, name), new Uint8Array(i % 97));
    listing.push(name);
  }
  const hash = createHash("sha256");
  const file = await Deno.open(source);
  for await (const chunk of file.readable) hash.update(chunk);
  return { source, parts, names: ["big.bin", ...parts, ...listing], sha256: hash.digest("hex") };
}

/** Hard-links `names` (relative paths) from `from` into `to`: the same files, no copy. */
async function linkInto(from: string, to: string, names: string[]): Promise<void> {
  await Deno.mkdir(join(to, "listing"), { recursive: true });
  for (const name of names) await Deno.link(join(from, name), join(to, name));
}

async function learnDigests(port: number, paths: string[]): Promise<void> {
  const connection = await logIn(port, FTPX_USER, FTPX_PASSWORD);
  try {
    for (const path of paths) await connection.call("checksum", { path });
  } finally {
    connection.close();
  }
}

/** The ftpx server as its native protocol sees it. */
interface NativeTarget {
  port: number;
  pid: number;
}

/** Rows of the table: what each measures, its unit, and which way is better. */
const ROWS = {
  download: { label: `${formatSize(size)} download`, unit: "MB/s", higher: true },
  upload: { label: `${formatSize(size)} upload`, unit: "MB/s", higher: true },
  concurrent: {
    label: `${CONCURRENT} x ${formatSize(Math.floor(size / CONCURRENT))} concurrent download`,
    unit: "MB/s",
    higher: true,
  },
  size: { label: "SIZE round trip (native: stat)", unit: "us", higher: false },
  mdtm: { label: "MDTM round trip", unit: "us", higher: false },
  list: {
    label: `LIST of ${LIST_ENTRIES.toLocaleString("en")} entries`,
    unit: "ms",
    higher: false,
  },
  login: { label: "connect + login", unit: "ms", higher: false },
  uploadCpu: { label: "server CPU per GiB uploaded", unit: "s", higher: false },
} as const;
type Row = keyof typeof ROWS;
const COLUMNS = ["vsftpd", "pure-ftpd", "ftpx", "native"] as const;

/** Memory of one server: fresh, after a round of logins and logouts, with the idle sessions. */
interface Memory {
  fresh: MemoryFigures;
  warmed: MemoryFigures;
  loaded: MemoryFigures;
}

/** RSS, PSS and USS summed over a server's processes (see `_proc.ts`), and how many. */
interface MemoryFigures {
  rss: number;
  pss: number;
  uss: number;
  processes: number;
}

class Results {
  readonly #values = new Map<string, number[]>();
  readonly #memory = new Map<string, Memory>();

  add(column: string, row: Row, value: number): void {
    const key = `${column}/${row}`;
    this.#values.set(key, [...this.#values.get(key) ?? [], value]);
  }

  memory(column: string, memory: Memory): void {
    this.#memory.set(column, memory);
  }

  #get(column: string, row: Row): number | null {
    const values = this.#values.get(`${column}/${row}`);
    return values ? median(values) : null;
  }

  print(): void {
    const lines: string[][] = [[
      "measurement",
      "vsftpd",
      "pure-ftpd",
      "ftpx FTP",
      "FTP / best",
      "ftpx native",
      "native / best",
    ]];
    const ceiling = this.#get("ceiling", "download");
    if (ceiling !== null) {
      lines.push([`raw TCP ceiling (MB/s)`, "", "", format(ceiling), "", "", ""]);
    }
    for (const [row, spec] of Object.entries(ROWS) as [Row, typeof ROWS[Row]][]) {
      const cells = COLUMNS.map((column) => this.#get(column, row));
      const [vs, pure, ftp, native] = cells;
      const peers = [vs, pure].filter((value) => value !== null && value !== undefined);
      const best = peers.length === 0
        ? null
        : spec.higher
        ? Math.max(...peers)
        : Math.min(...peers);
      const ratio = (value: number | null | undefined) =>
        value === null || value === undefined || best === null || !(best > 0)
          ? ""
          : `${(value / best).toFixed(2)}x`;
      const withCeiling = (value: number | null | undefined) =>
        value === null || value === undefined
          ? "-"
          : spec.unit === "MB/s" && ceiling
          ? `${format(value)} (${((value / ceiling) * 100).toFixed(0)}%)`
          : format(value);
      lines.push([
        `${spec.label} (${spec.unit})`,
        withCeiling(vs),
        withCeiling(pure),
        withCeiling(ftp),
        ratio(ftp),
        withCeiling(native),
        ratio(native),
      ]);
    }
    const mb = (bytes: number) => format(bytes / 1e6);
    const memoryCell = (column: string, pick: (m: Memory) => MemoryFigures) => {
      const memory = this.#memory.get(column);
      if (!memory) return "-";
      const figure = pick(memory);
      return figure.processes > 1
        ? `${mb(figure.rss)} (PSS ${mb(figure.pss)}, ${figure.processes} proc)`
        : `${mb(figure.rss)} (PSS ${mb(figure.pss)})`;
    };
    const perSession = (column: string, field: "rss" | "uss") => {
      const memory = this.#memory.get(column);
      return memory ? (memory.loaded[field] - memory.warmed[field]) / sessions : null;
    };
    const memoryRatio = (column: string, pick: (column: string) => number | null) => {
      const value = pick(column);
      const peers = ["vsftpd", "pure-ftpd"].map(pick).filter((v) => v !== null);
      return value === null || peers.length === 0
        ? ""
        : `${(value / Math.min(...peers)).toFixed(2)}x`;
    };
    const pssOf = (which: "fresh" | "loaded") => (column: string) =>
      this.#memory.get(column)?.[which].pss ?? null;
    for (
      const [label, which] of [
        ["server memory, fresh (MB)", "fresh"],
        [`server memory, ${sessions} idle sessions (MB)`, "loaded"],
      ] as const
    ) {
      lines.push([
        label,
        ...["vsftpd", "pure-ftpd", "ftpx"].map((c) => memoryCell(c, (m) => m[which])),
        memoryRatio("ftpx", pssOf(which)),
        memoryCell("native", (m) => m[which]),
        memoryRatio("native", pssOf(which)),
      ]);
    }
    const kb = (value: number | null) => value === null ? "-" : format(value / 1000);
    const sessionCell = (column: string) =>
      `${kb(perSession(column, "uss"))} (RSS ${kb(perSession(column, "rss"))})`;
    lines.push([
      "added per idle session, USS (KB)",
      sessionCell("vsftpd"),
      sessionCell("pure-ftpd"),
      sessionCell("ftpx"),
      memoryRatio("ftpx", (c) => perSession(c, "uss")),
      sessionCell("native"),
      memoryRatio("native", (c) => perSession(c, "uss")),
    ]);
    const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
    const render = (line: string[]) =>
      `| ${
        line.map((cell, i) => i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)).join(
          " | ",
        )
      } |`;
    console.log("");
    console.log(render(lines[0]!));
    console.log(
      `|${
        widths.map((w, i) => i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`).join("|")
      }|`,
    );
    for (const line of lines.slice(1)) console.log(render(line));
    console.log(
      "\nx: ftpx's figure over the best peer's (MB/s: above 1 is better; us, ms, s, MB: below 1 " +
        "is better). (%): of the raw TCP ceiling of this run. Memory: summed over the server's " +
        "processes; the ratios compare PSS (RSS counts the pages a forking server's processes " +
        "share once per process), per session USS (private pages: what a session adds, " +
        "whatever else shares the binary; ftpx's PSS moves with the other Deno processes " +
        "running on the machine), measured after a first round of as many logins and logouts " +
        "(ftpx's one-off warm-up: the scrypt buffer, compiled code).",
    );
  }
}

function format(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (value >= 100) return Math.round(value).toLocaleString("en");
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Runs `body`, returning its result and the CPU seconds the process tree of `pid` used meanwhile. */
async function measureCpu<T>(
  pid: number,
  body: () => Promise<T>,
): Promise<{ result: T; cpuSeconds: number }> {
  const sampler = sampleTreeCpu(pid);
  try {
    const result = await body();
    // A forking server's session process winds down after QUIT: let it finish where it is seen.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { result, cpuSeconds: await sampler.stop() };
  } catch (error) {
    await sampler.stop();
    throw error;
  }
}

function ftpUrl(target: Target, path: string): string {
  const auth = `${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}`;
  return `ftp://${auth}@127.0.0.1:${target.server.ftpPort}/${path}`;
}

/** One curl transfer; MB/s over the transfer itself (from its start to the final reply). */
async function curl(target: Target, path: string, args: string[]): Promise<number> {
  // The URL (with the password) goes through a config file on stdin, not argv.
  const output = await run("curl", [
    "--silent",
    "--show-error",
    "--max-time",
    String(CURL_MAX_SECONDS),
    "--write-out",
    "%{size_download} %{size_upload} %{time_pretransfer} %{time_total}",
    ...args,
    "--config",
    "-",
  ], { stdin: `url = "${ftpUrl(target, path)}"\n` });
  const [down = 0, up = 0, start = 0, end = 0] = output.trim().split(/\s+/).map(Number);
  if (Math.max(down, up) !== size) throw new Error(`curl ${target.name} ${path}: short transfer`);
  return mbPerSecond(size, end - start);
}

function curlDownload(target: Target, path: string): Promise<number> {
  return curl(target, path, ["--output", "/dev/null"]);
}

function curlUpload(target: Target, source: string): Promise<number> {
  return curl(target, target.upload, ["--upload-file", source]);
}

/** Runs `_ftp_client.py OP PORT USER ARGS...` and returns its result field `field`. */
async function ftplib(target: Target, args: string[], field: "us" | "ms"): Promise<number> {
  const [op, ...rest] = args;
  const extra = op === "roundtrip"
    ? [String(ROUNDS.roundTrip)]
    : op === "list"
    ? [String(LIST_ENTRIES), String(ROUNDS.list)]
    : [String(ROUNDS.login)];
  const result = await python(target, [op!, ...rest, ...extra]);
  return Number(result[field]);
}

async function python(target: Target, args: string[]): Promise<Record<string, number>> {
  const [op, ...rest] = args;
  const output = await run(
    "python3",
    [PYTHON_CLIENT, op!, String(target.server.ftpPort), target.user, ...rest],
    { env: { FTP_PASSWORD: target.password } },
  );
  return JSON.parse(output);
}

async function ftplibConcurrent(target: Target, parts: string[]): Promise<number> {
  const { bytes = 0, seconds = 0 } = await python(target, ["concurrent", ...parts]);
  if (bytes !== Math.floor(size / CONCURRENT) * CONCURRENT) {
    throw new Error(`${target.name}: concurrent downloads came ${bytes} bytes short`);
  }
  return mbPerSecond(bytes, seconds);
}

async function nativeDownload(port: number, path: string): Promise<number> {
  const result = await fetchHelper([String(port), FTPX_USER, FTPX_PASSWORD, path]);
  return mbPerSecond(result.bytes, (result.end - result.start) / 1000);
}

async function nativeUpload(port: number, source: string, sha256: string): Promise<number> {
  const output = await denoScript("_put.ts", [
    String(port),
    FTPX_USER,
    FTPX_PASSWORD,
    source,
    "up-native.bin",
    sha256,
  ], HELPER_PERMISSIONS).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  const { bytes, seconds } = JSON.parse(new TextDecoder().decode(output.stdout));
  return mbPerSecond(bytes, seconds);
}

/** Median of connect (TCP, `hello`) + `login`, the session then closed. */
async function nativeLoginTime(port: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS.login; i++) {
    const started = performance.now();
    const connection = await Connection.open({ host: "127.0.0.1", port });
    await connection.call("login", { user: FTPX_USER, password: FTPX_PASSWORD });
    times.push(performance.now() - started);
    await connection.request("quit").catch(() => {});
    connection.close();
  }
  return median(times);
}

/** The median of a few samples of a process tree's memory. */
async function settledMemory(pid: number): Promise<MemoryFigures> {
  const samples = [];
  for (let i = 0; i < MEMORY_SAMPLES; i++) {
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_GAP_MS));
    samples.push(await treeFigures(pid));
  }
  return {
    rss: median(samples.map((s) => s.rss)),
    pss: median(samples.map((s) => s.pss)),
    uss: median(samples.map((s) => s.uss)),
    processes: median(samples.map((s) => s.processes)),
  };
}

/** Opens `count` sessions with `open`, a few at a time; closes them all if one fails. */
async function openMany<T>(
  count: number,
  open: () => Promise<T>,
  close: (session: T) => void,
): Promise<T[]> {
  const opened: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      opened.push(await open());
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(LOGIN_CONCURRENCY, count) }, worker));
  } catch (error) {
    for (const session of opened) close(session);
    throw error;
  }
  return opened;
}

/** A batch of logged-in idle sessions. */
interface SessionBatch {
  /** Checks that every session answers. */
  check(): Promise<void>;
  /** Logs every session out and closes it. */
  close(): Promise<void>;
}

/**
 * Memory of a server fresh, after one round of `sessions` logins and
 * logouts (ftpx's first logins allocate once: the scrypt buffer, compiled
 * code; a forking server's session processes come and go), and with
 * `sessions` idle logged-in sessions.
 */
async function sessionsMemory(pid: number, open: () => Promise<SessionBatch>): Promise<Memory> {
  const fresh = await settledMemory(pid);
  await (await open()).close();
  const warmed = await settledMemory(pid);
  const batch = await open();
  try {
    await batch.check();
    return { fresh, warmed, loaded: await settledMemory(pid) };
  } finally {
    await batch.close();
  }
}

/** `sessions` FTP sessions on raw control connections (USER, PASS; NOOP to check). */
async function ftpSessions(target: Target): Promise<SessionBatch> {
  const clients = await openMany(sessions, async () => {
    const { client } = await RawFtpClient.connect(target.server.ftpPort);
    try {
      const user = await client.command(`USER ${target.user}`);
      if (!user.startsWith("331")) throw new Error(`${target.name}: USER: ${user}`);
      const pass = await client.command(`PASS ${target.password}`);
      if (!pass.startsWith("230")) throw new Error(`${target.name}: PASS: ${pass}`);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }, (client) => client.close());
  return {
    async check() {
      for (const client of clients) {
        const reply = await client.command("NOOP");
        if (!reply.startsWith("200")) throw new Error(`${target.name}: NOOP: ${reply}`);
      }
    },
    async close() {
      await Promise.all(clients.map((client) => client.command("QUIT").catch(() => "")));
      for (const client of clients) client.close();
    },
  };
}

/** `sessions` native sessions (`login`; `pwd` to check). */
async function nativeSessions(server: BenchServer): Promise<SessionBatch> {
  const connections = await openMany(
    sessions,
    () => logIn(server.port, FTPX_USER, FTPX_PASSWORD),
    (connection) => connection.close(),
  );
  return {
    async check() {
      await Promise.all(connections.map((connection) => connection.call("pwd")));
    },
    async close() {
      await Promise.all(connections.map((c) => c.request("quit").catch(() => {})));
      for (const connection of connections) connection.close();
    },
  };
}

// Last, once every class and constant above is defined.
await guard.run(main);
