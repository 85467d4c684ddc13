/**
 * The remote shell: runs commands typed on a terminal (with line editing,
 * history and completion), or a script (`-c` or piped stdin) that stops at
 * the first failing command.
 */

import { createInterface, type Interface } from "node:readline";
import process from "node:process";
import { parseArgs } from "node:util";
import { describeFlagError } from "../cli/args.ts";
import { CommandLineError, parseCommandLine } from "./command_line.ts";
import type { CommandFlags, ShellCommand, ShellContext } from "./commands/command.ts";
import { ShellUsageError } from "./commands/command.ts";
import { findCommand } from "./commands/mod.ts";
import { Completer } from "./completion.ts";
import { HISTORY_MAX_LINES, ShellHistory } from "./history.ts";
import { runLocalShell } from "./local_shell.ts";
import { Status } from "../protocol/status.ts";
import { ConnectionLostError, InterruptedError, RemoteError } from "./connection.ts";
import { safeName } from "./format.ts";
import { readlinePrompter } from "./prompter.ts";

/** Runs one command; prints its error and returns false if it failed. Connection loss propagates. */
export async function executeCommand(ctx: ShellContext, words: string[]): Promise<boolean> {
  const [name, ...rest] = words as [string, ...string[]];
  const command = findCommand(name);
  if (!command) {
    ctx.notice(`error: unknown command "${name}" (type "help" for a list)`);
    return false;
  }
  try {
    const { flags, positionals } = parseCommandArgs(command, rest);
    await command.run(ctx, positionals, flags);
    return true;
  } catch (error) {
    if (error instanceof ConnectionLostError) throw error;
    if (error instanceof RemoteError && error.status === Status.UNAUTHENTICATED) {
      // Logged in, yet refused as unauthenticated: the server ended the session (account deleted...).
      throw new ConnectionLostError(error.message);
    }
    if (error instanceof ShellUsageError) {
      ctx.notice(`error: ${error.message} (usage: ${command.usage})`);
    } else {
      // One line, whatever the server put in its message.
      ctx.notice(`error: ${safeName(error instanceof Error ? error.message : String(error))}`);
    }
    return false;
  }
}

function parseCommandArgs(
  command: ShellCommand,
  args: string[],
): { flags: CommandFlags; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: command.flags ?? {},
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new ShellUsageError(describeFlagError(error));
  }
  const { min, max } = command.args;
  if (parsed.positionals.length < min) throw new ShellUsageError("Missing argument");
  if (parsed.positionals.length > max) {
    throw new ShellUsageError(`Unexpected argument "${parsed.positionals[max]}"`);
  }
  return { flags: parsed.values as CommandFlags, positionals: parsed.positionals };
}

/**
 * Runs a line of one or more `;`-separated commands; false at the first
 * failure. A line starting with `!` is a local command for `sh` (whole).
 */
export async function executeLine(
  ctx: ShellContext,
  line: string,
  terminal?: { pause(): void; resume(): void },
): Promise<boolean> {
  if (line.trimStart().startsWith("!")) {
    try {
      await runLocalShell(ctx, line.trimStart().slice(1), terminal);
      return true;
    } catch (error) {
      ctx.notice(`error: ${safeName(error instanceof Error ? error.message : String(error))}`);
      return false;
    }
  }
  let commands: string[][];
  try {
    commands = parseCommandLine(line);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    ctx.notice(`error: ${error.message}`);
    return false;
  }
  for (const words of commands) {
    if (!await executeCommand(ctx, words)) return false;
    if (ctx.exitRequested) break;
  }
  return true;
}

/**
 * Runs script lines until one fails (exit status 1), `exit` is run, or the
 * lines end (status 0). Blank lines and `#` comments are skipped.
 */
export async function runScript(
  ctx: ShellContext,
  nextLine: () => Promise<string | null>,
): Promise<number> {
  while (!ctx.exitRequested) {
    const line = await nextLine();
    if (line === null) break;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (!await executeLine(ctx, line)) return 1;
  }
  return 0;
}

/** The prompt: user and remote directory. */
export function promptText(ctx: ShellContext): string {
  return `ftpx ${safeName(ctx.user)}:${safeName(ctx.cwd)}> `;
}

/**
 * As in a shell, Ctrl-C drops the half-typed line, so it can't prefix the
 * next one. Assigned, not sent as Ctrl-U: readline ignores editing keys on a
 * dumb terminal.
 */
function dropTypedLine(lines: Interface): void {
  const editable = lines as unknown as { line: string; cursor: number };
  editable.line = "";
  editable.cursor = 0;
}

/**
 * Runs the interactive shell on the terminal until `exit` or Ctrl-D; errors
 * don't end it. Ctrl-C, as in sftp and lftp: at the prompt it drops the
 * typed line; at a question it answers no; while a command runs it closes
 * the connection (a transfer keeps its partial and resume record, and says
 * so), logs in again and returns to the prompt.
 */
export async function runInteractive(ctx: ShellContext): Promise<number> {
  const history = await ShellHistory.open().catch(() => null);
  const completer = new Completer(ctx);
  const lines = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: history?.newestFirst ?? [],
    historySize: HISTORY_MAX_LINES,
    completer: (line: string, done: (error: null, result: [string[], string]) => void) => {
      completer.complete(line).then((result) => done(null, result), () => done(null, [[], line]));
    },
  });
  let historyFailed = false;
  const prompter = readlinePrompter(lines);
  let running = false;
  lines.on("SIGINT", () => {
    if (prompter.interruptQuestion()) {
      process.stdout.write("^C\n");
      return;
    }
    if (running) {
      dropTypedLine(lines);
      if (!ctx.connection.interrupted) {
        process.stderr.write("^C\n");
        ctx.connection.interrupt();
      }
      return;
    }
    process.stdout.write("^C\n");
    dropTypedLine(lines);
    lines.setPrompt(promptText(ctx));
    lines.prompt();
  });
  const previousPrompter = ctx.prompter;
  ctx.prompter = prompter;
  try {
    lines.setPrompt(promptText(ctx));
    lines.prompt();
    for await (const line of lines) {
      running = true;
      await history?.add(line).catch((error) => {
        // Said once: the shell works on without it.
        if (!historyFailed) ctx.notice(`Cannot save history in "${history.path}": ${error}`);
        historyFailed = true;
      });
      try {
        await executeLine(ctx, line, lines);
      } catch (error) {
        if (!(error instanceof InterruptedError)) throw error;
        ctx.notice(safeName(error.message));
      }
      try {
        if (ctx.connection.interrupted) await reconnect(ctx);
      } finally {
        running = false;
      }
      completer.forget();
      if (ctx.exitRequested) break;
      lines.setPrompt(promptText(ctx));
      lines.prompt();
    }
  } finally {
    ctx.prompter = previousPrompter;
    lines.close();
  }
  return 0;
}

/** A new connection after Ctrl-C closed the old one. */
async function reconnect(ctx: ShellContext): Promise<void> {
  if (!ctx.reconnect) throw new ConnectionLostError("Interrupted: the connection is closed");
  await ctx.reconnect();
}
