/**
 * Tab completion in the interactive shell: command names for the first
 * word, then paths: remote ones for remote arguments, local ones for local
 * arguments (each command says which of its arguments is which). Remote
 * listings are cached per directory for a few seconds, and forgotten after
 * every command, so repeated Tabs don't each cost a round trip.
 */

import { join } from "node:path";
import type { Entry } from "../protocol/messages.ts";
import type { PathKind, ShellContext } from "./commands/command.ts";
import { commandNames, findCommand } from "./commands/mod.ts";

/** How long a remote listing serves completions. */
export const REMOTE_LISTING_TTL_MS = 5_000;

/** A directory's names and whether each is a directory. */
type Names = { name: string; dir: boolean }[];

/** Completes shell lines against the remote and local file systems. */
export class Completer {
  readonly #ctx: ShellContext;
  readonly #remote = new Map<string, { at: number; names: Promise<Names> }>();

  /** Completes for the shell whose state is `ctx`. */
  constructor(ctx: ShellContext) {
    this.#ctx = ctx;
  }

  /** Forgets cached remote listings (after a command, which may have changed them). */
  forget(): void {
    this.#remote.clear();
  }

  /** The candidates for the word before the cursor, and that word (node:readline's shape). */
  async complete(line: string): Promise<[string[], string]> {
    const words = splitWords(line);
    const word = words.pop() ?? "";
    if (words.length === 0) {
      const names = commandNames().filter((name) => name.startsWith(word));
      return [names.map((name) => name + " "), word];
    }
    const kind = argumentKind(words);
    if (kind === null) return [[], word];
    const typed = unescape(word);
    const slash = typed.lastIndexOf("/");
    const dir = slash < 0 ? "" : typed.slice(0, slash + 1);
    const prefix = typed.slice(slash + 1);
    let names: Names;
    try {
      names = kind === "remote" ? await this.#remoteNames(dir) : await localNames(dir);
    } catch {
      return [[], word];
    }
    const hidden = prefix.startsWith(".");
    const hits = names
      .filter(({ name }) => name.startsWith(prefix) && (hidden || !name.startsWith(".")))
      .map(({ name, dir: isDir }) => escape(dir + name) + (isDir ? "/" : " "))
      .sort();
    return [hits, word];
  }

  #remoteNames(dir: string): Promise<Names> {
    const key = `${this.#ctx.cwd}\0${dir}`;
    const cached = this.#remote.get(key);
    if (cached && performance.now() - cached.at < REMOTE_LISTING_TTL_MS) return cached.names;
    const names = this.#ctx.connection.list(dir === "" ? undefined : dir).then(({ entries }) =>
      entries.map((entry: Entry) => ({ name: entry.name, dir: entry.type === "dir" }))
    );
    names.catch(() => this.#remote.delete(key));
    this.#remote.set(key, { at: performance.now(), names });
    return names;
  }
}

/** Which side the argument after `words` (a command and its arguments so far) lies on. */
function argumentKind(words: string[]): PathKind | null {
  const command = findCommand(words[0]!);
  const kinds = command?.paths;
  if (!kinds?.length) return null;
  const position = words.slice(1).filter((word) => !word.startsWith("-")).length;
  return kinds[Math.min(position, kinds.length - 1)] ?? null;
}

async function localNames(dir: string): Promise<Names> {
  const names: Names = [];
  const base = dir === "" ? "." : dir;
  for await (const item of Deno.readDir(base)) {
    let isDir = item.isDirectory;
    if (item.isSymlink) {
      isDir = await Deno.stat(join(base, item.name)).then((info) => info.isDirectory, () => false);
    }
    names.push({ name: item.name, dir: isDir });
  }
  return names;
}

/** The words of a partly typed line; the last is the one being completed (may be ""). */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (char === "\\" && i + 1 < line.length) {
      word += char + line[++i];
    } else if (char === " " || char === "\t") {
      if (word !== "") words.push(word);
      word = "";
    } else if (char === ";") {
      // A new command starts.
      words.length = 0;
      word = "";
    } else {
      word += char;
    }
  }
  words.push(word);
  return words;
}

/** Removes backslash escapes and quotes from a typed word. */
function unescape(word: string): string {
  return word.replace(/\\(.)/g, "$1").replace(/["']/g, "");
}

/** Escapes what the command line would split or interpret. */
function escape(path: string): string {
  return path.replace(/([\s\\'";])/g, "\\$1");
}
