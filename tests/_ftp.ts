/**
 * Helpers for FTP end-to-end tests: a real server with FTP on, the real
 * clients (curl, lftp, Python's ftplib) run as child processes, and a tiny
 * raw control-connection client for hostile input.
 */

import { fileURLToPath } from "node:url";
import {
  type RunOptions,
  runProgram,
  type RunResult,
  type ServerOptions,
  TestServer,
} from "./_spawn.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** A self-signed certificate for `localhost` and `127.0.0.1`, for tests only. */
export const TEST_CERT = `${FIXTURES}localhost_cert.pem`;
/** The private key of {@linkcode TEST_CERT} (a test fixture, not a secret). */
export const TEST_KEY = `${FIXTURES}localhost_key.pem`;

/** INI lines that turn TLS on with the test certificate. */
export const TLS_INI = `tls_cert = ${TEST_CERT}\ntls_key = ${TEST_KEY}\n`;

/** Starts a server with FTP on a free port; `ini` adds options. */
export async function startFtpServer(options: ServerOptions = {}): Promise<FtpTestServer> {
  const server = await TestServer.start({
    ...options,
    args: ["--ftp-port", "0", ...options.args ?? []],
  });
  if (server.ftpPort === null) {
    await server.stop();
    throw new Error("Server did not report an FTP port");
  }
  return server as FtpTestServer;
}

/** A {@linkcode TestServer} whose FTP port is known. */
export type FtpTestServer = TestServer & { readonly ftpPort: number };

/** `ftp://user:password@127.0.0.1:PORT/path` (user and password URL-encoded). */
export function ftpUrl(server: FtpTestServer, user: string, password: string, path = "/"): string {
  const auth = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `ftp://${auth}@127.0.0.1:${server.ftpPort}${path}`;
}

/** Runs curl quietly (errors still shown) with a time limit, so a hung server fails the test. */
export function curl(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runProgram("curl", ["--silent", "--show-error", "--max-time", "60", ...args], options);
}

/**
 * Runs lftp with `commands` against the server, as `user`. Settings keep it
 * from retrying forever and from asking anything.
 */
export function lftp(
  server: FtpTestServer,
  user: string,
  password: string,
  commands: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const settings = [
    "set cmd:fail-exit true",
    "set net:max-retries 1",
    "set net:timeout 30",
    "set net:reconnect-interval-base 1",
    "set ftp:ssl-allow false",
    "set xfer:clobber true",
  ].join("; ");
  return runProgram("lftp", [
    "-u",
    `${user},${password}`,
    "-p",
    String(server.ftpPort),
    "-e",
    `${settings}; ${commands}; quit`,
    "127.0.0.1",
  ], { ...options, env: { HOME: options.cwd ?? Deno.cwd(), ...options.env } });
}

/**
 * Runs a Python script; it gets `ARGS` (the JSON-decoded `args`), `PORT`
 * (the FTP port) and `ftplib` already imported, and prints what the test checks.
 */
export function python(
  server: FtpTestServer,
  script: string,
  args: Record<string, unknown> = {},
  options: RunOptions = {},
): Promise<RunResult> {
  const prelude = [
    "import ftplib, io, json, socket, ssl, sys",
    "ARGS = json.loads(sys.argv[1])",
    `PORT = ${server.ftpPort}`,
  ].join("\n");
  return runProgram("python3", ["-c", `${prelude}\n${script}`, JSON.stringify(args)], options);
}

/** A raw FTP control connection, for sending exactly the bytes a test wants. */
export class RawFtpClient implements AsyncDisposable {
  readonly #conn: Deno.Conn;
  #buffer = "";
  readonly #decoder = new TextDecoder();
  readonly #chunk = new Uint8Array(16 * 1024);

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Connects and reads the greeting. */
  static async connect(port: number): Promise<{ client: RawFtpClient; greeting: string }> {
    const client = new RawFtpClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    return { client, greeting: await client.readReply() };
  }

  /** Sends bytes as they are. */
  async sendRaw(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    while (bytes.length > 0) bytes = bytes.subarray(await this.#conn.write(bytes));
  }

  /** Sends one command line and reads its reply. */
  async command(line: string): Promise<string> {
    await this.sendRaw(line + "\r\n");
    return await this.readReply();
  }

  /** Reads one complete reply (all lines of a multi-line one), without the final CRLF. */
  async readReply(): Promise<string> {
    const lines: string[] = [];
    while (true) {
      const line = await this.#readLine();
      if (line === null) {
        throw new Error(`Connection closed; reply so far: ${JSON.stringify(lines)}`);
      }
      lines.push(line);
      const first = lines[0]!;
      const multi = /^\d{3}-/.test(first);
      if (!multi && /^\d{3}( |$)/.test(line)) return lines.join("\n");
      if (multi && lines.length > 1 && line.startsWith(first.slice(0, 3) + " ")) {
        return lines.join("\n");
      }
    }
  }

  /** Resolves true once the server has closed the connection (after any unread data). */
  async closedByServer(): Promise<boolean> {
    try {
      while ((await this.#conn.read(this.#chunk)) !== null) { /* drain */ }
      return true;
    } catch {
      return true;
    }
  }

  async #readLine(): Promise<string | null> {
    while (!this.#buffer.includes("\r\n")) {
      const count = await this.#conn.read(this.#chunk);
      if (count === null) return null;
      this.#buffer += this.#decoder.decode(this.#chunk.subarray(0, count), { stream: true });
    }
    const end = this.#buffer.indexOf("\r\n");
    const line = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + 2);
    return line;
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** The port of a `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` reply. */
export function pasvPort(reply: string): number {
  const match = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply);
  if (!match) throw new Error(`Not a PASV reply: ${reply}`);
  return Number(match[5]) * 256 + Number(match[6]);
}

/** The port of a `229 Entering Extended Passive Mode (|||port|)` reply. */
export function epsvPort(reply: string): number {
  const match = /\(\|\|\|(\d+)\|\)/.exec(reply);
  if (!match) throw new Error(`Not an EPSV reply: ${reply}`);
  return Number(match[1]);
}

/** Reads a data connection to its end. */
export async function readAll(conn: Deno.Conn): Promise<string> {
  return await new Response(conn.readable).text();
}
