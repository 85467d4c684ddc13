/**
 * A shell client that stays connected while a test acts on its account from
 * elsewhere: commands are written to its standard input one at a time (batch
 * mode), and each is followed by `lpwd`, whose known output (the client's own
 * working directory) marks where the command's output ends. No sleeps.
 */

import { ftpxCommand, type RunResult } from "./_spawn.ts";

/** What one command printed, and whether the client was still running afterwards. */
export interface CommandOutput {
  stdout: string;
  /** False when the client exited instead (the command failed, or the session ended). */
  alive: boolean;
}

/** A running `ftpx connect` fed line by line. */
export class LiveClient implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stdout: ReadableStreamDefaultReader<string>;
  readonly #stderr: Promise<string>;
  readonly #workDir: string;
  #buffer = "";
  #ended = false;

  private constructor(child: Deno.ChildProcess, workDir: string) {
    this.#child = child;
    this.#workDir = workDir;
    this.#stdin = child.stdin.getWriter();
    this.#stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.#stderr = new Response(child.stderr).text();
  }

  /** Starts `ftpx connect -P PORT -u USER` logging in with FTPX_PASSWORD. */
  static async open(port: number, user: string, password: string): Promise<LiveClient> {
    const workDir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ftpx-live-" }));
    const { command, args } = ftpxCommand(["connect", "-P", String(port), "-u", user]);
    const child = new Deno.Command(command, {
      args,
      cwd: workDir,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", FTPX_PASSWORD: password },
    }).spawn();
    return new LiveClient(child, workDir);
  }

  /** Runs one command line (and any stdin lines it reads, e.g. passwords); returns its output. */
  async run(line: string, ...inputLines: string[]): Promise<CommandOutput> {
    const text = [line, ...inputLines, "lpwd", ""].join("\n");
    await this.#stdin.write(new TextEncoder().encode(text)).catch(() => {});
    const marker = `${this.#workDir}\n`;
    while (!this.#buffer.includes(marker)) {
      if (this.#ended) {
        const stdout = this.#buffer;
        this.#buffer = "";
        return { stdout, alive: false };
      }
      const { value, done } = await this.#stdout.read();
      if (done) this.#ended = true;
      else this.#buffer += value;
    }
    const end = this.#buffer.indexOf(marker);
    const stdout = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + marker.length);
    return { stdout, alive: true };
  }

  /** Closes standard input and waits for the client to exit. */
  async finish(): Promise<RunResult> {
    await this.#stdin.close().catch(() => {});
    let rest = this.#buffer;
    while (!this.#ended) {
      const { value, done } = await this.#stdout.read();
      if (done) this.#ended = true;
      else rest += value;
    }
    this.#buffer = "";
    const { code } = await this.#child.status;
    await Deno.remove(this.#workDir, { recursive: true }).catch(() => {});
    return { code, stdout: rest, stderr: await this.#stderr };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.finish();
  }
}
