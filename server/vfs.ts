/**
 * The jail. Every path a client sends is virtual: `/` is the user's home.
 * This module alone turns virtual paths into real ones and alone calls
 * `Deno.*` file APIs with them. A path is normalized as text first
 * ({@linkcode normalizeVirtualPath}), then mapped under the home and checked
 * by resolving symlinks on both the home and the target (or, for a name that
 * does not exist yet, its nearest existing parent) and comparing with a
 * trailing separator. Errors name virtual paths only, never real ones.
 */

import { join } from "node:path";
import type { Entry, EntryType } from "../protocol/messages.ts";
import { MAX_LIST_ENTRIES, MAX_NAME_BYTES, MAX_PATH_BYTES } from "../protocol/limits.ts";
import { fromFsError, OperationError } from "./errors.ts";

/** Names starting with this are the server's own (partial uploads): hidden and refused. */
export const RESERVED_PREFIX = ".ftpx-";

const encoder = new TextEncoder();
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;

/**
 * Normalizes a client path against the current virtual directory. `..` never
 * climbs above `/`; `~` means the home. Pure text: no file system access.
 *
 * @throws {OperationError} `bad_request` for control characters (NUL, CR, LF...)
 * or backslashes, `too_large` for over-long paths or names, `forbidden` for
 * reserved names.
 */
export function normalizeVirtualPath(
  cwd: string,
  input: string,
  maxPathBytes: number = MAX_PATH_BYTES,
): string {
  if (encoder.encode(input).length > maxPathBytes) {
    throw new OperationError("too_large", `Path too long: at most ${maxPathBytes} bytes`);
  }
  if (CONTROL_CHARACTERS.test(input)) {
    throw new OperationError("bad_request", "Path contains a control character");
  }
  if (input.includes("\\")) {
    throw new OperationError("bad_request", 'Path contains a backslash: separate names with "/"');
  }
  let text = input;
  if (text === "~" || text.startsWith("~/")) text = "/" + text.slice(1);
  const combined = text.startsWith("/") ? text : `${cwd}/${text}`;
  const names: string[] = [];
  for (const name of combined.split("/")) {
    if (name === "" || name === ".") continue;
    if (name === "..") {
      names.pop();
      continue;
    }
    if (encoder.encode(name).length > MAX_NAME_BYTES) {
      throw new OperationError("too_large", `Name too long: at most ${MAX_NAME_BYTES} bytes`);
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      throw new OperationError(
        "forbidden",
        `Names starting with "${RESERVED_PREFIX}" are reserved`,
      );
    }
    names.push(name);
  }
  const normalized = "/" + names.join("/");
  if (encoder.encode(normalized).length > maxPathBytes) {
    throw new OperationError("too_large", `Path too long: at most ${maxPathBytes} bytes`);
  }
  return normalized;
}

/** The last name of a virtual path (`/` for the home). */
export function baseName(virtualPath: string): string {
  return virtualPath === "/" ? "/" : virtualPath.slice(virtualPath.lastIndexOf("/") + 1);
}

/** The parent of a virtual path (`/` for the home itself). */
export function parentPath(virtualPath: string): string {
  const index = virtualPath.lastIndexOf("/");
  return index <= 0 ? "/" : virtualPath.slice(0, index);
}

/** Options for {@linkcode Vfs.mkdir}. */
export interface MkdirOptions {
  /** Create missing parents and accept an existing directory. */
  parents?: boolean;
}

/** Configurable limits of a jail (`max_path_length`, `max_list_entries`); hard caps by default. */
export interface VfsLimits {
  /** Longest path a client may send, in bytes. */
  maxPathBytes?: number;
  /** Most entries one listing returns. */
  maxListEntries?: number;
}

/** One user's view of the file system, rooted at their home. */
export class Vfs {
  readonly #root: string;
  readonly #maxPathBytes: number;
  readonly #maxListEntries: number;

  private constructor(root: string, limits: VfsLimits) {
    this.#root = root;
    this.#maxPathBytes = Math.min(limits.maxPathBytes ?? MAX_PATH_BYTES, MAX_PATH_BYTES);
    this.#maxListEntries = Math.min(limits.maxListEntries ?? MAX_LIST_ENTRIES, MAX_LIST_ENTRIES);
  }

  /** Opens a jail on `home`, which must exist; symlinks in its own path are resolved once here. */
  static async open(home: string, limits: VfsLimits = {}): Promise<Vfs> {
    return new Vfs(await Deno.realPath(home), limits);
  }

  /** Normalizes a client path; see {@linkcode normalizeVirtualPath}. */
  normalize(cwd: string, input: string): string {
    return normalizeVirtualPath(cwd, input, this.#maxPathBytes);
  }

  /**
   * Maps a normalized virtual path to a real path, following symlinks, and
   * refuses any that lands outside the home. A name that does not exist yet
   * is checked through its nearest existing parent.
   */
  async resolve(virtualPath: string): Promise<string> {
    const real = this.#realJoin(virtualPath);
    try {
      return this.#insideOrThrow(await Deno.realPath(real), virtualPath);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw fromFsError(error, "open", virtualPath);
    }
    await this.#refuseDanglingLink(real, virtualPath);
    return join(await this.resolve(parentPath(virtualPath)), baseName(virtualPath));
  }

  /**
   * Like {@linkcode Vfs.resolve} but does not follow the last name, so removing
   * or renaming a symlink acts on the link itself.
   */
  async resolveEntry(virtualPath: string): Promise<string> {
    if (virtualPath === "/") return this.#root;
    return join(await this.resolve(parentPath(virtualPath)), baseName(virtualPath));
  }

  /** Describes one path. */
  async stat(virtualPath: string): Promise<Entry> {
    const real = await this.resolve(virtualPath);
    try {
      return toEntry(baseName(virtualPath), await Deno.stat(real));
    } catch (error) {
      throw fromFsError(error, "stat", virtualPath);
    }
  }

  /** Throws unless the path is an existing directory. */
  async requireDirectory(virtualPath: string): Promise<void> {
    const entry = await this.stat(virtualPath);
    if (entry.type !== "dir") {
      throw new OperationError("not_a_directory", `Cannot enter "${virtualPath}": not a directory`);
    }
  }

  /**
   * Lists a directory, sorted by name. Reserved names are hidden; a symlink
   * leading outside the home is shown as a `link` and nothing about its
   * target is revealed.
   */
  async list(virtualPath: string): Promise<Entry[]> {
    const real = await this.resolve(virtualPath);
    const names: { name: string; isSymlink: boolean }[] = [];
    try {
      for await (const item of Deno.readDir(real)) {
        if (item.name.startsWith(RESERVED_PREFIX)) continue;
        if (names.length >= this.#maxListEntries) {
          throw new OperationError(
            "too_large",
            `Cannot list "${virtualPath}": more than ${this.#maxListEntries} entries`,
          );
        }
        names.push({ name: item.name, isSymlink: item.isSymlink });
      }
    } catch (error) {
      throw fromFsError(error, "list", virtualPath);
    }
    const entries = await Promise.all(
      names.map(({ name, isSymlink }) => this.#listEntry(join(real, name), name, isSymlink)),
    );
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Creates a directory. */
  async mkdir(virtualPath: string, options: MkdirOptions = {}): Promise<void> {
    if (virtualPath === "/") {
      if (options.parents) return;
      throw new OperationError("exists", `Cannot create "/": already exists`);
    }
    const real = await this.resolve(virtualPath);
    try {
      await Deno.mkdir(real, { recursive: options.parents ?? false });
    } catch (error) {
      throw fromFsError(error, "create", virtualPath);
    }
  }

  async #listEntry(real: string, name: string, isSymlink: boolean): Promise<Entry> {
    try {
      if (isSymlink) this.#insideOrThrow(await Deno.realPath(real), name);
      return toEntry(name, await Deno.stat(real));
    } catch {
      return { name, type: "link", size: 0, mtime: 0 };
    }
  }

  #realJoin(virtualPath: string): string {
    return virtualPath === "/" ? this.#root : this.#root + virtualPath;
  }

  #insideOrThrow(real: string, virtualPath: string): string {
    if (real === this.#root || real.startsWith(this.#root + "/")) return real;
    throw new OperationError("forbidden", `Cannot access "${virtualPath}": outside your home`);
  }

  /** A symlink whose target is missing would let a write create the target anywhere. */
  async #refuseDanglingLink(real: string, virtualPath: string): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(real);
    } catch {
      return;
    }
    if (info.isSymlink) {
      throw new OperationError("forbidden", `Cannot access "${virtualPath}": broken symlink`);
    }
  }
}

function entryType(info: Deno.FileInfo): EntryType {
  if (info.isFile) return "file";
  if (info.isDirectory) return "dir";
  if (info.isSymlink) return "link";
  return "other";
}

function toEntry(name: string, info: Deno.FileInfo): Entry {
  return {
    name,
    type: entryType(info),
    size: info.isFile ? info.size : 0,
    mtime: info.mtime?.getTime() ?? 0,
  };
}
