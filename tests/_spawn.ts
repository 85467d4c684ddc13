/**
 * Runs the real ftpx CLI as child processes for end-to-end tests: from source
 * with the same Deno, or the compiled binary named by `FTPX_BIN`.
 */

import { fileURLToPath } from "node:url";
import { join } from "node:path";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(REPO, "main.ts");
const CONFIG = join(REPO, "deno.json");

/** Permissions the CLI runs with from source; the same set `deno task compile` bakes in. */
export const CLI_PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env=FTPX_HOME,FTPX_PASSWORD,FTPX_DB_PASSWORD,PGPASSFILE,PGAPPNAME,HOME,NO_COLOR",
  "--allow-sys=hostname",
];

/** The command line that starts ftpx: `FTPX_BIN`, or `deno run ... main.ts`. */
export function ftpxCommand(args: string[]): { command: string; args: string[] } {
  const binary = Deno.env.get("FTPX_BIN");
  if (binary) return { command: binary, args };
  return {
    command: Deno.execPath(),
    args: ["run", "--quiet", "--config", CONFIG, ...CLI_PERMISSIONS, MAIN, ...args],
  };
}

/** What a finished CLI run produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode runFtpx} and {@linkcode runProgram}. */
export interface RunOptions {
  /** Text fed to standard input (closed afterwards); none means stdin is closed at once. */
  stdin?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** A failsafe, not a wait: a program still running after this is killed and the run fails. */
  deadlineMs?: number;
}

/** The default {@linkcode RunOptions.deadlineMs}: far beyond any test's program, short of a hung CI. */
const PROGRAM_DEADLINE_MS = 180_000;

/**
 * A failsafe, not a wait: SIGKILLs `child` if it is still running after `ms`,
 * unless disposed first. `fired` tells a caller whether the kill happened.
 */
export class KillDeadline implements Disposable {
  #fired = false;
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(child: Deno.ChildProcess, ms: number) {
    this.#timer = setTimeout(() => {
      this.#fired = true;
      try {
        child.kill("SIGKILL");
      } catch {
        // It exited just now.
      }
    }, ms);
  }

  get fired(): boolean {
    return this.#fired;
  }

  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
  }
}

/** Runs `ftpx ARGS` to completion. */
export function runFtpx(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const { command, args: fullArgs } = ftpxCommand(args);
  return runProgram(command, fullArgs, { ...options, env: { NO_COLOR: "1", ...options.env } });
}

/** Runs any program to completion (curl, lftp, python3, ftpx). */
export async function runProgram(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const child = new Deno.Command(command, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {}),
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.stdin ?? "")).catch(() => {});
  await writer.close().catch(() => {});
  const deadlineMs = options.deadlineMs ?? PROGRAM_DEADLINE_MS;
  using deadline = new KillDeadline(child, deadlineMs);
  const output = await child.output();
  const decoder = new TextDecoder();
  if (deadline.fired) {
    const seconds = deadlineMs / 1000;
    throw new Error(
      `${command} ${args.join(" ")} was still running after ${seconds}s and was killed; ` +
        `it printed:\n${decoder.decode(output.stdout)}\n${decoder.decode(output.stderr)}`,
    );
  }
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Lets process `pid` open only `extra` more files than it has open now
 * (`prlimit`, from util-linux, changes a running process's limit).
 */
export async function limitOpenFiles(pid: number, extra: number): Promise<void> {
  const fds = await runProgram("ls", [`/proc/${pid}/fd`]); // Deno guards /proc itself.
  if (fds.code !== 0) throw new Error(`Cannot list the open files of ${pid}: ${fds.stderr}`);
  const open = fds.stdout.trim().split("\n").length;
  const limited = await runProgram("prlimit", [`--pid=${pid}`, `--nofile=${open + extra}:`]);
  if (limited.code !== 0) throw new Error(`prlimit failed: ${limited.stderr}`);
}

/** Makes a temporary directory removed by `using`/`await using`. */
export async function tempDir(prefix = "ftpx-test-"): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Options for {@linkcode TestServer.start}. */
export interface ServerOptions {
  /** Extra `serve` flags. */
  args?: string[];
  /** INI text written to a config file passed with `--config`. */
  ini?: string;
  /** Reuse this data dir (kept on stop), e.g. to restart a server on the same data. */
  dataDir?: string;
}

/** How long a stopped server may take to exit before the test calls it stuck. */
const STOP_DEADLINE_MS = 30_000;

/** A real `ftpx serve` on an ephemeral loopback port, with its own data dir. */
export class TestServer implements AsyncDisposable {
  readonly port: number;
  /** The FTP port when started with `--ftp-port` (or `ftp_port`); null otherwise. */
  readonly ftpPort: number | null;
  readonly dataDir: string;
  /** The first-start admin password, read from the file the server named ("" on a later start). */
  readonly adminPassword: string;
  /** With TLS and `plain_port`, the plaintext port the server printed. */
  readonly plainPort: number | null;
  /** The HTTP port when started with `--http-port` (or `http_port`); null otherwise. */
  readonly httpPort: number | null;
  /** Everything the server printed on stdout up to its listening line (other fronts' lines). */
  readonly startup: string;
  readonly #child: Deno.ChildProcess;
  readonly #root: string;
  readonly #stderr: Promise<void>;
  #stderrText = "";
  #onStderr: (() => void)[] = [];

  private constructor(
    child: Deno.ChildProcess,
    root: string,
    fields: {
      port: number;
      ftpPort: number | null;
      dataDir: string;
      adminPassword: string;
      plainPort?: number | null;
      httpPort?: number | null;
      startup: string;
    },
  ) {
    this.startup = fields.startup;
    this.#child = child;
    this.#root = root;
    this.port = fields.port;
    this.plainPort = fields.plainPort ?? null;
    this.httpPort = fields.httpPort ?? null;
    this.ftpPort = fields.ftpPort;
    this.dataDir = fields.dataDir;
    this.adminPassword = fields.adminPassword;
    this.#stderr = this.#collectStderr();
  }

  async #collectStderr(): Promise<void> {
    for await (const text of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderrText += text;
      for (const notify of this.#onStderr.splice(0)) notify();
    }
    for (const notify of this.#onStderr.splice(0)) notify();
  }

  /** Starts a server and waits for its listening line. */
  static async start(options: ServerOptions = {}): Promise<TestServer> {
    const root = await Deno.makeTempDir({ prefix: "ftpx-server-" });
    const dataDir = options.dataDir ?? join(root, "data");
    const configArgs: string[] = [];
    if (options.ini !== undefined) {
      const iniPath = join(root, "server.ini");
      await Deno.writeTextFile(iniPath, options.ini);
      configArgs.push("--config", iniPath);
    }
    const { command, args } = ftpxCommand([
      "serve",
      "--port",
      "0",
      "--data",
      dataDir,
      ...configArgs,
      ...options.args ?? [],
    ]);
    const child = new Deno.Command(command, {
      args,
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (true) {
      const { value, done } = await lines.read();
      if (done) {
        await child.status;
        const stderr = await new Response(child.stderr).text();
        throw new Error(`Server exited before listening:\n${seen}\n${stderr}`);
      }
      seen += value;
      const listening = /ftpx listening on \S+:(\d+), data (.+)\n/.exec(seen);
      if (listening) {
        // Keep draining stdout so the server never blocks on a full pipe.
        (async () => {
          while (!(await lines.read()).done) { /* discard */ }
        })();
        // The server prints the password only on a terminal; otherwise the file holding it.
        const passwordFile = /administrator "admin"; its password is in (.+) \(readable/.exec(seen);
        const adminPassword = passwordFile
          ? (await Deno.readTextFile(passwordFile[1]!)).trim()
          : "";
        const ftp = /FTP on \S+:(\d+) /.exec(seen);
        return new TestServer(child, root, {
          port: Number(listening[1]),
          ftpPort: ftp ? Number(ftp[1]) : null,
          dataDir,
          adminPassword,
          plainPort: Number(/plaintext on port (\d+)/.exec(seen)?.[1] ?? NaN) || null,
          httpPort: Number(/HTTP on https?:\/\/\S+:(\d+)\//.exec(seen)?.[1] ?? NaN) || null,
          startup: seen,
        });
      }
    }
  }

  /** Resolves when the server process exits, with its status. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /** Process id of the server (for /proc memory readings and signals). */
  get pid(): number {
    return this.#child.pid;
  }

  /** The server's log (standard error) so far; complete after {@linkcode TestServer.stop}. */
  get log(): string {
    return this.#stderrText;
  }

  /** Waits until the log matches `pattern` (no sleeps: woken by each new chunk); returns the match. */
  async waitForLog(pattern: RegExp): Promise<RegExpExecArray> {
    while (true) {
      const match = pattern.exec(this.#stderrText);
      if (match) return match;
      const exited = await new Promise<boolean>((resolve) => {
        this.#onStderr.push(() => resolve(false));
        this.#stderr.then(() => resolve(true));
      });
      if (exited && !pattern.test(this.#stderrText)) {
        throw new Error(`Server log ended without matching ${pattern}:\n${this.#stderrText}`);
      }
    }
  }

  /** Creates an account with `ftpx adduser --password-stdin`. */
  async addUser(name: string, password: string, extra: string[] = []): Promise<void> {
    const result = await runFtpx(
      ["adduser", name, "--password-stdin", "--data", this.dataDir, ...extra],
      { stdin: password + "\n" },
    );
    if (result.code !== 0) throw new Error(`adduser ${name} failed: ${result.stderr}`);
  }

  /** Runs `ftpx connect` against this server, logging in with FTPX_PASSWORD. */
  client(
    user: string,
    password: string,
    options: {
      command?: string;
      stdin?: string;
      args?: string[];
      cwd?: string;
      env?: Record<string, string>;
    } = {},
  ): Promise<RunResult> {
    const args = ["connect", "-P", String(this.port), "-u", user, ...options.args ?? []];
    if (options.command !== undefined) args.push("-c", options.command);
    return runFtpx(args, {
      // A client config dir of its own, so resume records never touch the real home.
      env: { FTPX_PASSWORD: password, FTPX_HOME: join(this.#root, "client"), ...options.env },
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
  }

  /** Real path of a user's home. */
  home(user: string): string {
    return join(this.dataDir, "home", user);
  }

  /** Stops the server (SIGKILL when `kill` is set) and removes its temp files; a given data dir stays. */
  async stop(kill = false): Promise<void> {
    try {
      this.#child.kill(kill ? "SIGKILL" : "SIGTERM");
    } catch {
      // Already exited.
    }
    const stuck = await this.#killIfStillRunning(STOP_DEADLINE_MS);
    await this.#stderr;
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
    // Every test doubles as a check that the server hit no unhandled error.
    const bug = /^.*(unhandled rejection|internal error|Uncaught).*$/m.exec(this.#stderrText);
    if (bug) throw new Error(`The server logged a bug during the test:\n${bug[0]}`);
    if (stuck) {
      throw new Error(`The server did not stop within ${STOP_DEADLINE_MS / 1000}s of SIGTERM`);
    }
  }

  /** Waits up to `ms` for the server to exit, then SIGKILLs it; true if it had to. */
  async #killIfStillRunning(ms: number): Promise<boolean> {
    using deadline = new KillDeadline(this.#child, ms);
    await this.#child.status;
    return deadline.fired;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Starts `ftpx ARGS` and returns the running child (stdin closed, output piped), e.g. to kill it. */
export function spawnFtpx(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Deno.ChildProcess {
  const { command, args: fullArgs } = ftpxCommand(args);
  return new Deno.Command(command, {
    args: fullArgs,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).spawn();
}

/**
 * Waits until `condition` holds, checking every few milliseconds: for
 * observing another process's progress (a file growing), never as a delay.
 * Fails after `timeoutMs` so a broken test can't hang.
 */
export async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Size of a file, or -1 if it does not exist. */
export async function fileSize(path: string): Promise<number> {
  return await Deno.stat(path).then((info) => info.size, () => -1);
}

/** Byte budgets of a {@linkcode ThrottleProxy}: how much each connection may pass each way. */
export interface ProxyLimits {
  /** Bytes from server to client per connection (then it holds the rest). */
  down?: number;
  /** Bytes from client to server per connection. */
  up?: number;
  /**
   * Past a budget, `block` (the default) stops reading, so the sender's
   * writes stall; `discard` reads on and drops the bytes, so the proxy sees
   * the sender close and closes the other side too, as a real network would.
   */
  hold?: "block" | "discard";
}

/**
 * A TCP proxy on loopback that forwards each connection to a server but
 * passes at most a budget of bytes each way, then holds: a transfer through
 * it stops at a point the test controls, so a process can be killed in the
 * middle of it without relying on timing.
 */
export class ThrottleProxy implements AsyncDisposable {
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #targetPort: number;
  readonly #conns = new Set<Deno.Conn>();
  readonly #pipes = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  #limits: ProxyLimits;

  private constructor(listener: Deno.Listener, targetPort: number, limits: ProxyLimits) {
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#targetPort = targetPort;
    this.#limits = limits;
    this.#accepting = this.#accept();
  }

  /**
   * Listens on a loopback port (ephemeral unless `port` is given: a client's
   * resume records name the port it connected to), forwarding to `targetPort`.
   */
  static start(targetPort: number, limits: ProxyLimits, port = 0): ThrottleProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    return new ThrottleProxy(listener, targetPort, limits);
  }

  /** Budgets for connections accepted from now on (`{}`: unlimited). */
  setLimits(limits: ProxyLimits): void {
    this.#limits = limits;
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        const server = await Deno.connect({ hostname: "127.0.0.1", port: this.#targetPort });
        this.#conns.add(client);
        this.#conns.add(server);
        const limits = this.#limits;
        const discard = limits.hold === "discard";
        this.#track(this.#pipe(server, client, limits.down ?? Infinity, discard));
        this.#track(this.#pipe(client, server, limits.up ?? Infinity, discard));
      }
    } catch {
      // Listener closed.
    }
  }

  #track(pipe: Promise<void>): void {
    this.#pipes.add(pipe);
    pipe.finally(() => this.#pipes.delete(pipe));
  }

  /**
   * Copies `from` to `to` until `budget` bytes have passed, then reads nothing
   * more, or (`discard`) reads on until `from` closes, forwarding nothing.
   */
  async #pipe(from: Deno.Conn, to: Deno.Conn, budget: number, discard: boolean): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    let left = budget;
    try {
      while (left > 0) {
        const count = await from.read(buffer.subarray(0, Math.min(buffer.length, left)));
        if (count === null) break;
        let written = 0;
        while (written < count) written += await to.write(buffer.subarray(written, count));
        left -= count;
      }
      if (left === 0 && discard) {
        while (await from.read(buffer) !== null) { /* dropped */ }
        left = 1;
      }
      if (left > 0) this.#closeBoth(from, to);
    } catch {
      this.#closeBoth(from, to);
    }
  }

  #closeBoth(a: Deno.Conn, b: Deno.Conn): void {
    for (const conn of [a, b]) {
      if (!this.#conns.delete(conn)) continue;
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    this.#listener.close();
    await this.#accepting;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
    this.#conns.clear();
    await Promise.all(this.#pipes);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
