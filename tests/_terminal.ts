/**
 * Runs the ftpx CLI on a pseudo-terminal (through util-linux `script`), so
 * tests can drive what only happens on a TTY: password prompts without
 * echo, the 3-tries login, the interactive shell. Each step waits for text
 * on the terminal before typing, so nothing depends on timing.
 */

import { ftpxCommand, KillDeadline } from "./_spawn.ts";

/** How long a step may wait for its text before the test fails. */
const STEP_DEADLINE_MS = 60_000;

/** Wait until the terminal shows `expect`, then run `then` and type `send` (if any). */
export interface TerminalStep {
  expect: string | RegExp;
  /** Runs once `expect` showed, before `send` is typed (e.g. to let a held transfer go on). */
  then?: () => void | Promise<void>;
  send?: string;
}

/** What a terminal session showed, and how the program exited. */
export interface TerminalResult {
  code: number;
  /** Everything written to the terminal (stdout and stderr, `\r\n` line ends). */
  output: string;
}

/** Options for {@linkcode runInTerminal}. */
export interface TerminalOptions {
  /** Extra environment variables; FTPX_PASSWORD is never inherited. */
  env?: Record<string, string>;
  steps: TerminalStep[];
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Runs `ftpx ARGS` on a terminal, playing `steps`, then ends its input and waits for it. */
export async function runInTerminal(
  args: string[],
  options: TerminalOptions,
): Promise<TerminalResult> {
  const { command, args: fullArgs } = ftpxCommand(args);
  const commandLine = [command, ...fullArgs].map(shellQuote).join(" ");
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", TERM: "dumb" };
  delete env.FTPX_PASSWORD;
  // A config dir of its own unless given: the shell's history and resume records never touch ~.
  const config = options.env?.FTPX_HOME === undefined
    ? await Deno.makeTempDir({ prefix: "ftpx-terminal-config-" })
    : undefined;
  if (config) env.FTPX_HOME = config;
  Object.assign(env, options.env);
  const child = new Deno.Command("script", {
    args: ["--quiet", "--return", "--command", commandLine, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env,
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const input = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  let cursor = 0;
  try {
    for (const step of options.steps) {
      // A failsafe, not a wait: a step that never shows fails the test instead of hanging it.
      {
        using deadline = new KillDeadline(child, STEP_DEADLINE_MS);
        while (true) {
          const found = find(output, cursor, step.expect);
          if (found !== null) {
            cursor = found;
            break;
          }
          const { value, done } = await reader.read();
          if (done) {
            const why = deadline.fired
              ? `not shown in ${STEP_DEADLINE_MS / 1000}s`
              : "terminal closed";
            throw new Error(
              `Expected ${step.expect} (${why}); the terminal showed:\n${output}\n${await stderr}`,
            );
          }
          output += value;
        }
      }
      await step.then?.();
      if (step.send !== undefined) await input.write(new TextEncoder().encode(step.send));
    }
  } finally {
    await input.close().catch(() => {});
  }
  // The same failsafe once input has ended: a program that never exits fails the test.
  using exitDeadline = new KillDeadline(child, STEP_DEADLINE_MS);
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    output += value;
  }
  const { code } = await child.status;
  if (exitDeadline.fired) {
    throw new Error(
      `ftpx ${args.join(" ")} did not exit within ${STEP_DEADLINE_MS / 1000}s ` +
        `after its steps; the terminal showed:\n${output}\n${await stderr}`,
    );
  }
  await stderr;
  if (config) await Deno.remove(config, { recursive: true });
  return { code, output };
}

/** Index just past the first match of `expect` at or after `from`, or null. */
function find(text: string, from: number, expect: string | RegExp): number | null {
  const rest = text.slice(from);
  if (typeof expect === "string") {
    const index = rest.indexOf(expect);
    return index < 0 ? null : from + index + expect.length;
  }
  const match = new RegExp(expect.source, expect.flags.replace("g", "")).exec(rest);
  return match ? from + match.index + match[0].length : null;
}
