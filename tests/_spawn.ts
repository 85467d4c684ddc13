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
  "--allow-env=FTPX_HOME,FTPX_PASSWORD,HOME,NO_COLOR",
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

/** Options for {@linkcode runFtpx}. */
export interface RunOptions {
  /** Text fed to standard input (closed afterwards); none means stdin is closed at once. */
  stdin?: string;
  env?: Record<string, string>;
  cwd?: string;
}

/** Runs `ftpx ARGS` to completion. */
export async function runFtpx(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const { command, args: fullArgs } = ftpxCommand(args);
  const child = new Deno.Command(command, {
    args: fullArgs,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.stdin ?? "")).catch(() => {});
  await writer.close().catch(() => {});
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
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

/** A real `ftpx serve` on an ephemeral loopback port, with its own data dir. */
export class TestServer implements AsyncDisposable {
  readonly port: number;
  readonly dataDir: string;
  /** The first-start admin password, as printed. */
  readonly adminPassword: string;
  /** With TLS and `plain_port`, the plaintext port the server printed. */
  readonly plainPort: number | null;
  readonly #child: Deno.ChildProcess;
  readonly #root: string;
  readonly #stderr: Promise<string>;
  #stderrText = "";

  private constructor(
    child: Deno.ChildProcess,
    root: string,
    fields: {
      port: number;
      dataDir: string;
      adminPassword: string;
      stderr: Promise<string>;
      plainPort?: number | null;
    },
  ) {
    this.#child = child;
    this.#root = root;
    this.port = fields.port;
    this.plainPort = fields.plainPort ?? null;
    this.dataDir = fields.dataDir;
    this.adminPassword = fields.adminPassword;
    this.#stderr = fields.stderr;
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
    const stderr = new Response(child.stderr).text();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let adminPassword = "";
    while (true) {
      const { value, done } = await lines.read();
      if (done) {
        await child.status;
        throw new Error(`Server exited before listening:\n${seen}\n${await stderr}`);
      }
      seen += value;
      adminPassword = /with password (\S+)/.exec(seen)?.[1] ?? adminPassword;
      const listening = /ftpx listening on [^\s:]+:(\d+), data (.+)\n/.exec(seen);
      if (listening) {
        // Keep draining stdout so the server never blocks on a full pipe.
        (async () => {
          while (!(await lines.read()).done) { /* discard */ }
        })();
        return new TestServer(child, root, {
          port: Number(listening[1]),
          dataDir,
          adminPassword,
          stderr,
          plainPort: Number(/plaintext on port (\d+)/.exec(seen)?.[1] ?? NaN) || null,
        });
      }
    }
  }

  /** Process id of the server (for /proc memory readings and signals). */
  get pid(): number {
    return this.#child.pid;
  }

  /** The server's log so far is only complete after {@linkcode TestServer.stop}. */
  get log(): string {
    return this.#stderrText;
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
    options: { command?: string; stdin?: string; args?: string[]; cwd?: string } = {},
  ): Promise<RunResult> {
    const args = ["connect", "-P", String(this.port), "-u", user, ...options.args ?? []];
    if (options.command !== undefined) args.push("-c", options.command);
    return runFtpx(args, {
      env: { FTPX_PASSWORD: password },
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
    await this.#child.status;
    this.#stderrText = await this.#stderr;
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
