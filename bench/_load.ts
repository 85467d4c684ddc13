/**
 * Pieces shared by the load tests (`load.ts`, `idle.ts`, `cluster.ts`): the
 * driver processes (`_load_driver.ts`) and their plan, a server INI whose
 * limits admit the load, process figures read from /proc, and percentiles.
 */

import { fileURLToPath } from "node:url";

/** The documented server configuration: every key the server knows, with its default. */
const SERVER_INI = fileURLToPath(new URL("../conf/server.ini", import.meta.url));

/** What the parent sends. */
export interface DriverPlan {
  port: number;
  /** Seconds of mixed operations after "go". */
  duration: number;
  clients: { id: number; user: string; password: string }[];
  /** Local source files for put. */
  pool: PoolFile[];
  /** Read-only files every user has under /shared (name -> sha256). */
  shared: Record<string, string>;
  /** Scratch directory of this driver (downloads, resume store). */
  workDir: string;
  /** The operations and their weights; default {@linkcode LOAD_MIX}. */
  mix?: [Kind, number][];
}

/** A local file to upload, with its digest. */
export interface PoolFile {
  path: string;
  size: number;
  sha256: string;
}

/** The operation kinds measured. */
export const KINDS = [
  "login",
  "ls",
  "stat",
  "get",
  "put",
  "mkdir",
  "rm",
  "rmdir",
  "drop",
] as const;
export type Kind = typeof KINDS[number];

/** Relative weights of each kind in the mix (percent). */
export const LOAD_MIX: [Kind, number][] = [
  ["ls", 25],
  ["get", 25],
  ["put", 20],
  ["mkdir", 10],
  ["rm", 10],
  ["rmdir", 7],
  ["login", 3],
  ["drop", 2],
];

/** What a client left on the server: its directory and what must be in it. */
export interface ClientState {
  id: number;
  user: string;
  dir: string;
  /** File name -> sha256. */
  files: Record<string, string>;
  dirs: string[];
}

/** One `result` line. */
export interface DriverResult {
  type: "result";
  /** Latencies in milliseconds of the mixed phase, by kind. */
  latencies: Record<Kind, number[]>;
  /** Latencies of the initial logins (connect, hello, login). */
  logins: number[];
  /** Wall time of the login phase and the mixed phase, in milliseconds. */
  loginMs: number;
  runMs: number;
  /** CPU time the driver used during the mixed phase, in seconds. */
  cpuSeconds: number;
  /** Files downloaded and compared with what was uploaded. */
  verifiedGets: number;
  /** Transfers cut halfway ("drop") that then continued from a non-zero offset. */
  resumed: { get: number; put: number };
  /** Puts after a cut that first got 409 (the cut upload still winding down): ms from cut to success. */
  busyAfterCut: number[];
  /** Bytes moved by get and put. */
  bytes: { get: number; put: number };
  errors: { kind: string; message: string }[];
  clients: ClientState[];
  /** Downloads still recorded as unfinished in the resume store at the end. */
  staleResumeRecords: number;
}

/**
 * Limits a load test must not trip: many sessions and logins from one
 * loopback address. Keys the server doesn't know (yet) are left out, since
 * an unknown key stops startup.
 */
const GENEROUS_LIMITS: Record<string, string> = {
  "idle_timeout": "86400",
  "max_sessions": "100000",
  "max_sessions_per_address": "100000",
  "login_attempts_per_minute": "10000",
  "login_ban_failures": "10000",
  "register_limit": "1000",
};

/** Writes a server INI with {@linkcode GENEROUS_LIMITS} (known keys only) plus `extra`. */
export async function writeLoadIni(
  path: string,
  extra: Record<string, string> = {},
): Promise<string[]> {
  // The keys of conf/server.ini, the documented configuration, rather than the server's code:
  // the benches use only the CLI and what it documents.
  const documented = await Deno.readTextFile(SERVER_INI);
  const known = new Set(Array.from(documented.matchAll(/^([a-z_]+) *=/gm), (match) => match[1]));
  const values = Object.entries({ ...GENEROUS_LIMITS, ...extra })
    .filter(([key]) => known.has(key));
  await Deno.writeTextFile(path, values.map(([key, value]) => `${key} = ${value}\n`).join(""));
  return values.map(([key, value]) => `${key}=${value}`);
}

/**
 * A field of `/proc/PID/status` in bytes (`VmRSS`, `VmHWM`), or of the whole
 * file when asked for none; 0 if unknown. Read through `cat`: with
 * --allow-run, Deno lets only --allow-all read another process's /proc.
 */
async function procText(pid: number, file: string): Promise<string> {
  try {
    const output = await new Deno.Command("cat", {
      args: [`/proc/${pid}/${file}`],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(output.stdout);
  } catch {
    return "";
  }
}

/** Resident set size now (`rss`) and at its highest (`peak`), in bytes. */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const text = await procText(pid, "status");
  const field = (name: string) => {
    const match = new RegExp(`${name}:\\s+(\\d+) kB`).exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** CPU time (user + system) a process has used so far, in seconds; 0 if unknown. */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const text = await procText(pid, "stat");
  // Fields after the command name (which may hold spaces) start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return Number.isFinite(ticks) ? ticks / 100 : 0;
}

/** The `p`th percentile (0..100) of `values` (nearest rank); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Milliseconds, readable at any scale: `0.42`, `12.3`, `1234`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  return ms < 1 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

/** A running driver process. */
export interface Driver {
  pid: number;
  /** Resolves once its clients are logged in. */
  ready: Promise<void>;
  /** Starts the mixed phase. */
  go(): void;
  result: Promise<DriverResult>;
}

/** Which driver this is (for messages) and what it may read (the pool files). */
export interface DriverOptions {
  index: number;
  readDir: string;
}

/** Starts a driver process; `ready` resolves after its logins, `result` at its end. */
export function startDriver(plan: DriverPlan, options: DriverOptions): Driver {
  const { index, readDir } = options;
  Deno.mkdirSync(plan.workDir);
  const script = fileURLToPath(new URL("./_load_driver.ts", import.meta.url));
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--config",
      fileURLToPath(new URL("../deno.json", import.meta.url)),
      `--allow-net=127.0.0.1:${plan.port}`,
      `--allow-read=${readDir}`,
      `--allow-write=${plan.workDir}`,
      script,
      JSON.stringify(plan),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = readLines(child.stdout);
  const next = async (type: string) => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`Driver ${index} exited before "${type}" (see its errors above)`);
    const message = JSON.parse(value);
    if (message.type !== type) throw new Error(`Driver ${index}: expected "${type}"`);
    return message;
  };
  const ready = next("ready").then(() => {});
  const result = ready.then(() => next("result")).finally(() => child.status) as Promise<
    DriverResult
  >;
  const writer = child.stdin.getWriter();
  return {
    pid: child.pid,
    ready,
    go: () => {
      writer.write(new TextEncoder().encode("go\n")).then(() => writer.close());
    },
    result,
  };
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
  }
}
