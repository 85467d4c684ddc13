/**
 * The interactive shell's command history, kept across sessions in
 * `$FTPX_HOME/history`: one command per line, oldest first, the newest
 * {@linkcode HISTORY_MAX_LINES} only, readable by its owner only (commands
 * name files and servers). Only command lines are stored: answers to
 * questions and passwords are typed outside it.
 */

import { dirname, join } from "node:path";
import { configDir } from "./resume_store.ts";

/** Lines kept. */
export const HISTORY_MAX_LINES = 1000;

/** Name of the history file in the config dir. */
export const HISTORY_FILE = "history";

/** A history file and its lines. */
export class ShellHistory {
  readonly path: string;
  #lines: string[];

  private constructor(path: string, lines: string[]) {
    this.path = path;
    this.#lines = lines;
  }

  /** Reads the history at `path` (default: the config dir's); missing or unreadable is empty. */
  static async open(path = join(configDir(), HISTORY_FILE)): Promise<ShellHistory> {
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch {
      // First session, or unreadable: start empty (and say nothing, as a shell does).
    }
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    return new ShellHistory(path, lines.slice(-HISTORY_MAX_LINES));
  }

  /** The lines, newest first (as node:readline's `history` option wants them). */
  get newestFirst(): string[] {
    return [...this.#lines].reverse();
  }

  /**
   * Records a command line and writes the file (atomically, mode 0600). Blank
   * lines, a repeat of the last line, and lines starting with a space (as
   * bash's `ignorespace`: a way to keep one out) are not recorded.
   */
  async add(line: string): Promise<void> {
    if (line.trim() === "" || line.startsWith(" ") || line.includes("\n")) return;
    if (this.#lines.at(-1) === line) return;
    this.#lines.push(line);
    if (this.#lines.length > HISTORY_MAX_LINES) this.#lines.splice(0, 1);
    await Deno.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${Deno.pid}.tmp`;
    await Deno.writeTextFile(temp, this.#lines.join("\n") + "\n", { mode: 0o600 });
    await Deno.chmod(temp, 0o600);
    await Deno.rename(temp, this.path);
  }
}
