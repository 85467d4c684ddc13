/**
 * Shared pieces of the benchmarks: a real `ftpx serve` in a temp dir, the
 * ftpx client as a subprocess, a protocol-level client for measuring the
 * server alone, peak RSS sampling, and statistics. Other load tests under
 * bench/ can reuse these.
 */

import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Connection } from "../client/connection.ts";
import { ftpxCommand } from "../tests/_spawn.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const CONFIG = join(REPO, "deno.json");

/** How ftpx is started: the same command line as the end-to-end tests (honours `FTPX_BIN`). */
export { ftpxCommand };

/** What the benches' helper processes (`_raw_tcp.ts`, `_fetch.ts`, `_put.ts`) may do. */
export const HELPER_PERMISSIONS = ["--allow-net=127.0.0.1", "--allow-read", "--allow-write"];

/** Runs a script of this directory with Deno (for helper processes). */
export function denoScript(
  script: string,
  args: string[],
  permissions: string[],
  options: { stdin?: "piped" | "null" } = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--config",
      CONFIG,
      ...permissions,
      join(REPO, "bench", script),
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: options.stdin ?? "null",
  });
}

/**
 * Highest resident set size of a process so far (VmHWM), in bytes; 0 if
 * unknown. Read through `cat`: with --allow-run, Deno lets only --allow-all
 * read another process's /proc entries, and the bench keeps least privilege.
 */
export async function peakRss(pid: number): Promise<number> {
  try {
    const output = await new Deno.Command("cat", {
      args: [`/proc/${pid}/status`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const match = /VmHWM:\s+(\d+) kB/.exec(new TextDecoder().decode(output.stdout));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a child's peak RSS until it exits: returns its output and the peak. */
export async function runSampled(
  command: Deno.Command,
): Promise<{ output: Deno.CommandOutput; peakRss: number }> {
  const child = command.spawn();
  let peak = 0;
  let done = false;
  const sampling = (async () => {
    while (!done) {
      peak = Math.max(peak, await peakRss(child.pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const output = await child.output();
  done = true;
  await sampling;
  return { output, peakRss: peak };
}

/** How {@linkcode BenchServer.start} runs the server. */
export interface BenchServerOptions {
  /** Added to the inherited environment (e.g. `FTPX_DB_PASSWORD` for `--db`). */
  env?: Record<string, string>;
}

/** A running `ftpx serve` on a loopback port with its own data dir. */
export class BenchServer {
  readonly port: number;
  readonly dataDir: string;
  readonly #child: Deno.ChildProcess;

  /** The FTP port when started with `--ftp-port`; null otherwise. */
  readonly ftpPort: number | null;
  /** The SFTP port when started with `--sftp-port`; null otherwise. */
  readonly sftpPort: number | null;

  private constructor(
    child: Deno.ChildProcess,
    port: number,
    dataDir: string,
    ftpPort: number | null,
    sftpPort: number | null,
  ) {
    this.#child = child;
    this.port = port;
    this.dataDir = dataDir;
    this.ftpPort = ftpPort;
    this.sftpPort = sftpPort;
  }

  /** Starts the server on port 0 with `dataDir` and waits for its listening line. */
  static async start(
    dataDir: string,
    extraArgs: string[] = [],
    options: BenchServerOptions = {},
  ): Promise<BenchServer> {
    const { command, args } = ftpxCommand([
      "serve",
      "--port",
      "0",
      "--data",
      dataDir,
      "--log-level",
      "warn",
      ...extraArgs,
    ]);
    const child = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
      env: { NO_COLOR: "1", ...options.env },
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (true) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`ftpx serve exited before listening: ${seen}`);
      seen += value;
      const match = /listening on [^\s:]+:(\d+)/.exec(seen);
      if (match) {
        (async () => {
          while (!(await lines.read()).done) { /* drain */ }
        })();
        // The FTP and SFTP lines, when on, come before the "listening on" line.
        const ftp = /^FTP on [^\s:]+:(\d+) /m.exec(seen);
        const sftp = /^SFTP on [^\s:]+:(\d+),/m.exec(seen);
        return new BenchServer(
          child,
          Number(match[1]),
          dataDir,
          ftp ? Number(ftp[1]) : null,
          sftp ? Number(sftp[1]) : null,
        );
      }
    }
  }

  /** The server's process id (for reading its figures in /proc). */
  get pid(): number {
    return this.#child.pid;
  }

  /** The server process's peak RSS so far (all its threads). */
  peakRss(): Promise<number> {
    return peakRss(this.#child.pid);
  }

  /** Real path of a user's home. */
  home(user: string): string {
    return join(this.dataDir, "home", user);
  }

  /** Creates an account. */
  async addUser(name: string, password: string): Promise<void> {
    const { command, args } = ftpxCommand([
      "adduser",
      name,
      "--password-stdin",
      "--data",
      this.dataDir,
    ]);
    const child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(password + "\n"));
    await writer.close();
    const output = await child.output();
    if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await this.#child.status;
  }
}

/** Opens a logged-in protocol connection (the real client's connection code). */
export async function logIn(
  port: number,
  user: string,
  password: string,
): Promise<Connection> {
  const connection = await Connection.open({ host: "127.0.0.1", port });
  await connection.call("login", { user, password });
  return connection;
}

/** Downloads a file with `get` and throws the bytes away; returns the byte count. */
export async function getAndDiscard(connection: Connection, path: string): Promise<number> {
  const response = await connection.call("get", { path });
  const buffer = new Uint8Array(256 * 1024);
  let total = 0;
  while (connection.reader.bodyRemaining > 0) total += await connection.reader.readBody(buffer);
  if (total !== response.body) throw new Error("short body");
  return total;
}

/** Median of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Decimal megabytes per second. */
export function mbPerSecond(bytes: number, seconds: number): number {
  return bytes / 1e6 / seconds;
}

/** Fills a file of `size` bytes with incompressible data (a random 4 MiB block repeated). */
export async function writeTestFile(path: string, size: number): Promise<void> {
  const block = new Uint8Array(4 * 1024 * 1024);
  for (let offset = 0; offset < block.length; offset += 65536) {
    crypto.getRandomValues(block.subarray(offset, offset + 65536));
  }
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    let left = size;
    while (left > 0) {
      const chunk = block.subarray(0, Math.min(block.length, left));
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
      left -= chunk.length;
    }
  } finally {
    file.close();
  }
}

/** Raw TCP: a bare sender subprocess and a receiver subprocess (discarding, or writing `out`); MB/s. */
export async function rawTcp(file: string, out: string | null): Promise<number> {
  const sender = denoScript("_raw_tcp.ts", ["send", file], HELPER_PERMISSIONS).spawn();
  const reader = sender.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const port = (await reader.read()).value!.trim();
  reader.releaseLock();
  const receiver = await denoScript(
    "_raw_tcp.ts",
    ["recv", port, ...(out ? [out] : [])],
    HELPER_PERMISSIONS,
  ).output();
  await sender.output().catch(() => {});
  const { bytes, seconds } = JSON.parse(new TextDecoder().decode(receiver.stdout));
  return mbPerSecond(bytes, seconds);
}

/** What `_fetch.ts` reports: bytes received, and when the gets started and ended (epoch ms). */
export interface FetchResult {
  bytes: number;
  start: number;
  end: number;
}

/** Runs `_fetch.ts` with `args` (see its usage). */
export async function fetchHelper(args: string[]): Promise<FetchResult> {
  const output = await denoScript("_fetch.ts", args, HELPER_PERMISSIONS).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** Where and as whom a bench logs in over the native protocol. */
export interface NativeLogin {
  port: number;
  user: string;
  password: string;
}

/**
 * Native gets of `paths` all at once, discarding, from two client processes
 * (one per core on the reference machine): every session of both logs in
 * first, then all the gets start together; returns MB/s over the gets.
 */
export function concurrentGets(login: NativeLogin, paths: string[]): Promise<number> {
  const { port, user, password } = login;
  return helpersTogether(
    "_fetch.ts",
    halves(paths).map((part) => ["--wait", String(port), user, password, ...part]),
  );
}

/** A file to upload with `put`, and its sha256 (sent in the request). */
export interface Upload {
  local: string;
  remote: string;
  sha256: string;
}

/**
 * Native puts of `uploads` all at once from two client processes (`_put.ts`),
 * like {@linkcode concurrentGets}: every session logs in first, then all the
 * puts start together; returns MB/s over the puts.
 */
export function concurrentPuts(login: NativeLogin, uploads: Upload[]): Promise<number> {
  const { port, user, password } = login;
  return helpersTogether(
    "_put.ts",
    halves(uploads).map((part) => [
      "--wait",
      String(port),
      user,
      password,
      ...part.flatMap((upload) => [upload.local, upload.remote, upload.sha256]),
    ]),
  );
}

/** Two halves of `items` (the second may be empty: then left out). */
function halves<T>(items: T[]): T[][] {
  const half = Math.ceil(items.length / 2);
  return [items.slice(0, half), items.slice(half)].filter((part) => part.length > 0);
}

/**
 * Runs `script` once per argument list with `--wait`: once every helper says
 * `ready` (its sessions logged in), tells them all to go; returns MB/s from
 * the first start to the last end they report.
 */
async function helpersTogether(script: string, argLists: string[][]): Promise<number> {
  const helpers = argLists.map((args) =>
    denoScript(script, args, HELPER_PERMISSIONS, { stdin: "piped" }).spawn()
  );
  const stdouts = helpers.map((helper) => new Lines(helper.stdout));
  const stderrs = helpers.map((helper) => new Response(helper.stderr).text());
  try {
    // Each prints "ready" once its sessions are logged in: start them once all have.
    const ready = await Promise.all(stdouts.map((lines) => lines.next()));
    if (!ready.every((line) => line === "ready")) {
      throw new Error(`A ${script} helper failed: ${(await Promise.all(stderrs)).join(" ")}`);
    }
    for (const helper of helpers) {
      const writer = helper.stdin.getWriter();
      await writer.write(new TextEncoder().encode("go\n"));
      await writer.close();
    }
    const results: FetchResult[] = [];
    for (const [i, lines] of stdouts.entries()) {
      const line = await lines.next();
      if (line === null) throw new Error(`A ${script} helper failed: ${await stderrs[i]}`);
      results.push(JSON.parse(line));
    }
    const start = Math.min(...results.map((r) => r.start));
    const end = Math.max(...results.map((r) => r.end));
    return mbPerSecond(results.reduce((sum, r) => sum + r.bytes, 0), (end - start) / 1000);
  } finally {
    for (const helper of helpers) {
      try {
        helper.kill();
      } catch {
        // Already exited.
      }
      await helper.status;
    }
  }
}

/** Reads a child's output line by line. */
class Lines {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next line without its newline; null at the end. */
  async next(): Promise<string | null> {
    while (!this.#buffer.includes("\n")) {
      const { value, done } = await this.#reader.read();
      if (done) return null;
      this.#buffer += value;
    }
    const end = this.#buffer.indexOf("\n");
    const line = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + 1);
    return line;
  }
}

/** Median round trip of a native `stat` of `path`, in microseconds, after `rounds / 10` warm-up. */
export async function statRoundTrip(
  connection: Connection,
  path: string,
  rounds: number,
): Promise<number> {
  return median(await statRoundTrips(connection, path, rounds));
}

/** Each of `rounds` round trips of a native `stat` of `path`, in microseconds, after `rounds / 10` warm-up. */
export async function statRoundTrips(
  connection: Connection,
  path: string,
  rounds: number,
): Promise<number[]> {
  const times: number[] = [];
  const warmUp = Math.floor(rounds / 10);
  for (let i = 0; i < warmUp + rounds; i++) {
    const started = performance.now();
    await connection.call("stat", { path });
    if (i >= warmUp) times.push((performance.now() - started) * 1000);
  }
  return times;
}

/** Median time of a native listing of `path` (checked to hold `entries`), in ms, after `rounds / 4` warm-up. */
export async function listingTime(
  connection: Connection,
  path: string,
  options: { entries: number; rounds: number },
): Promise<number> {
  const times: number[] = [];
  const warmUp = Math.ceil(options.rounds / 4);
  for (let i = 0; i < warmUp + options.rounds; i++) {
    const started = performance.now();
    const { entries } = await connection.list(path);
    if (entries.length !== options.entries) throw new Error("short listing");
    if (i >= warmUp) times.push(performance.now() - started);
  }
  return median(times);
}
