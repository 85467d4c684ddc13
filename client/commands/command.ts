/** What a shell command is, and what it can use. */

import type { FlagSpec } from "../../cli/args.ts";
import type { Connection } from "../connection.ts";
import type { Prompter } from "../prompter.ts";

/** The shell's state as commands see and change it. */
export interface ShellContext {
  connection: Connection;
  /** Logged-in user. */
  user: string;
  /** Whether the user is an administrator (from the login reply; the server checks again). */
  admin: boolean;
  /** Current remote directory, as last reported by the server. */
  cwd: string;
  /** True on a terminal; false for scripts (`-c`, piped stdin). */
  interactive: boolean;
  /** Whether `!COMMAND` may run (on a terminal, or with --allow-local-shell). */
  localShell: boolean;
  /** Prints a result line on standard output. */
  print(line: string): void;
  /** Prints a notice on standard error. */
  notice(line: string): void;
  /** Set by `exit` to end the shell after the current command. */
  exitRequested: boolean;
  /** Asks for secrets and confirmations (terminal, or stdin lines in scripts). */
  prompter: Prompter;
  /**
   * Opens a new connection and logs in again, into the same remote directory,
   * after Ctrl-C closed the old one; replaces `connection`. Only the
   * interactive shell has it.
   */
  reconnect?: () => Promise<void>;
  /**
   * Opens another connection logged in as the same user, in the same remote
   * directory (for transfers in parallel); the caller closes it.
   */
  openConnection?: () => Promise<Connection>;
  /** Tells `reconnect` the user's own password changed (passwd). */
  passwordChanged?: (password: string) => void;
}

/** Parsed flags of a shell command. */
export type CommandFlags = Record<string, string | boolean | undefined>;

/** Which file system a path argument names, for completion. */
export type PathKind = "remote" | "local";

/** One shell command. */
export interface ShellCommand {
  name: string;
  aliases?: string[];
  /** e.g. `mkdir [-p] PATH`. */
  usage: string;
  summary: string;
  /** More lines for `help COMMAND` (options, behaviour). */
  details?: readonly string[];
  flags?: FlagSpec;
  /** Number of positional arguments accepted. */
  args: { min: number; max: number };
  /** What each positional argument names, for Tab completion; the last kind repeats. */
  paths?: readonly PathKind[];
  run(ctx: ShellContext, args: string[], flags: CommandFlags): Promise<void>;
}

/**
 * Refuses an administrator's command to anyone else before it asks for
 * passwords or confirmations, naming the command as typed (the server would
 * refuse it too, naming its operation).
 */
export function requireAdmin(ctx: ShellContext, command: string): void {
  if (!ctx.admin) throw new Error(`Only administrators may use "${command}"`);
}

/** Bad arguments to a shell command: the shell prints the usage line. */
export class ShellUsageError extends Error {
  /** Creates the error from a one-line reason. */
  constructor(message: string) {
    super(message);
    this.name = "ShellUsageError";
  }
}
