/**
 * The jail. Every path a client sends is virtual: `/` is the user's home.
 * This module alone turns virtual paths into real ones and alone calls
 * `Deno.*` file APIs with them. A path is normalized as text first
 * ({@linkcode normalizeVirtualPath}), then mapped under the home and checked
 * by resolving symlinks on both the home and the target (or, for a name that
 * does not exist yet, its nearest existing parent) and comparing with a
 * trailing separator. Errors name virtual paths only, never real ones.
 *
 * Checking and using a path are two steps, so every public method that does
 * both holds the home's lock (`home_lock.ts`), shared by all server threads:
 * exclusively for changes of the namespace (renames, removals), shared for
 * the rest, from before the check until after the use. A path checked under
 * the lock cannot be redirected by another session before it is used.
 * Creations are also checked where they landed, and undone if outside.
 */

import { join } from "node:path";
import { setImmediate } from "node:timers";
import type { Entry, EntryType } from "../../../protocol/messages.ts";
import { MAX_LIST_ENTRIES, MAX_NAME_BYTES, MAX_PATH_BYTES } from "../../../protocol/limits.ts";
import { fromFsError, OperationError } from "../../core/errors.ts";
import type {
  CommitOptions,
  FileReader,
  HomeLimits,
  HomeStorage,
  MkdirOptions,
  PartialWriter,
  RemoveDirectoryOptions,
  StoredFile,
} from "../mod.ts";
import { LocalFileReader, LocalPartialWriter, storedFile } from "./local_file.ts";
import { hasPathLongerThan, removeLeftovers, removeTree } from "./deep_tree.ts";
import { type HomeLock, homeLock } from "./home_lock.ts";
import {
  LARGE_DIRECTORY_BYTES,
  LARGE_LISTING_ENTRIES,
  largeListings,
  listingBudget,
  listingBytes,
} from "./list_gate.ts";
import { Listing } from "../listing.ts";
import { directoryStamp, syncFs } from "./sync_fs.ts";

/**
 * Opens tried while the path keeps naming another file than the one opened
 * (see `Vfs.openFile`): a replacement settles at once, a race does not.
 */
const OPEN_ATTEMPTS = 3;

/** Names starting with this are the server's own (partial uploads): hidden and refused. */
export const RESERVED_PREFIX = ".ftpx-";

/** Hidden directory in each home holding partial uploads (named by {@linkcode Vfs.partialFile}). */
export const PARTIAL_DIR = `${RESERVED_PREFIX}partial`;
/** Hidden directory in each home where `rmdir -r` moves directories too deep to name (`deep_tree.ts`). */
const REMOVING_DIR = `${RESERVED_PREFIX}removing`;
const PARTIAL_NAME_PATTERN = /^[0-9a-f]{16,64}$/;
/** Longest a listing holds the event loop with synchronous stats before yielding. */
const SYNC_SLICE_MS = 4;
/**
 * Largest directory read in one synchronous call (when listed moments ago):
 * a few milliseconds of the thread, where reading it asynchronously costs a
 * thread-pool round trip per entry (~5 us each).
 */
const SYNC_READ_DIR_MAX_ENTRIES = 4096;
/** What reading one directory entry synchronously may cost on a warm cache, with room to spare. */
const READ_DIR_MS_PER_ENTRY = 0.004;

/**
 * Longest virtual path (in names) walked with one `lstat` per name rather
 * than resolved by `realpath` (see `Vfs.#locateSync`): a walk saves the
 * home's `readlink`s and the caller's stat, and costs an `lstat` per name.
 */
const WALK_MAX_NAMES = 4;
const SLASH = 0x2f;

// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;

/**
 * Normalizes a client path against the current virtual directory. `..` never
 * climbs above `/`; `~` means the home. Pure text: no file system access.
 *
 * @throws {OperationError} `bad_request` for control characters (NUL, CR, LF...),
 * backslashes or ill-formed Unicode (lone surrogates), `too_large` for
 * over-long paths or names, `forbidden` for reserved names.
 */
export function normalizeVirtualPath(
  cwd: string,
  input: string,
  maxPathBytes: number = MAX_PATH_BYTES,
): string {
  if (byteLength(input) > maxPathBytes) {
    throw new OperationError("too_large", `Path too long: at most ${maxPathBytes} bytes`);
  }
  if (CONTROL_CHARACTERS.test(input)) {
    throw new OperationError("bad_request", "Path contains a control character");
  }
  if (input.includes("\\")) {
    throw new OperationError("bad_request", 'Path contains a backslash: separate names with "/"');
  }
  if (!input.isWellFormed()) {
    throw new OperationError("bad_request", "Path is not valid Unicode");
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
    if (byteLength(name) > MAX_NAME_BYTES) {
      throw new OperationError("too_large", `Name too long: at most ${MAX_NAME_BYTES} bytes`);
    }
    if (isReservedName(name)) {
      throw new OperationError(
        "forbidden",
        `Names starting with "${RESERVED_PREFIX}" are reserved`,
      );
    }
    names.push(name);
  }
  const normalized = "/" + names.join("/");
  if (byteLength(normalized) > maxPathBytes) {
    throw new OperationError("too_large", `Path too long: at most ${maxPathBytes} bytes`);
  }
  return normalized;
}

/**
 * Tells whether a name is the server's own. Case-insensitive, so a
 * case-insensitive file system (macOS) cannot alias `.FTPX-...` to a reserved file.
 */
export function isReservedName(name: string): boolean {
  return name.slice(0, RESERVED_PREFIX.length).toLowerCase() === RESERVED_PREFIX;
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

/** One user's view of the file system, rooted at their home: the local backend's home storage. */
export class Vfs implements HomeStorage {
  readonly #root: string;
  readonly #maxPathBytes: number;
  readonly #maxListEntries: number;
  readonly #lock: HomeLock;

  private constructor(root: string, limits: HomeLimits) {
    this.#root = root;
    this.#lock = homeLock(root);
    this.#maxPathBytes = Math.min(limits.maxPathBytes ?? MAX_PATH_BYTES, MAX_PATH_BYTES);
    this.#maxListEntries = Math.min(limits.maxListEntries ?? MAX_LIST_ENTRIES, MAX_LIST_ENTRIES);
  }

  /** Opens a jail on `home`, which must exist; symlinks in its own path are resolved once here. */
  static async open(home: string, limits: HomeLimits = {}): Promise<Vfs> {
    return new Vfs(await Deno.realPath(home), limits);
  }

  /** Normalizes a client path; see {@linkcode normalizeVirtualPath}. */
  normalize(cwd: string, input: string): string {
    return normalizeVirtualPath(cwd, input, this.#maxPathBytes);
  }

  /**
   * Maps a normalized virtual path to a real path, following symlinks, and
   * refuses any that lands outside the home. A name that does not exist yet
   * is checked through its nearest existing parent. Takes no lock: a caller
   * that acts on the result holds the home's lock around both.
   */
  async resolve(virtualPath: string): Promise<string> {
    return (await this.#locate(virtualPath)).real;
  }

  /** {@linkcode Vfs.resolve}, with the path's file info when finding it told it. */
  async #locate(virtualPath: string): Promise<Located> {
    const joined = this.#realJoin(virtualPath);
    let failure: unknown;
    try {
      const located = syncFs.isHot(joined)
        ? syncFs.run(() => this.#locateSync(virtualPath, joined))
        : { real: this.#insideOrThrow(await Deno.realPath(joined), virtualPath), info: null };
      syncFs.touch(joined);
      return located;
    } catch (error) {
      failure = error;
    }
    // The home itself is gone (e.g. the account was deleted while logged in).
    if (virtualPath === "/") throw fromFsError(failure, "open", "/");
    // Check the parent first, so a refusal names the first symlink leading out and
    // nothing about what lies beyond it (a file, a missing name, a denied directory).
    const parent = await this.resolve(parentPath(virtualPath));
    if (!(failure instanceof Deno.errors.NotFound)) throw fromFsError(failure, "open", virtualPath);
    const real = join(parent, baseName(virtualPath));
    await this.#refuseDanglingLink(real, virtualPath);
    return { real, info: null };
  }

  /**
   * Resolves an existing path synchronously. A short path is walked below
   * the home, which was resolved once when the jail was opened: one `lstat`
   * per name, and when none is a symlink the joined path is the real one and
   * the last `lstat` describes it. `realpath` would read every link of the
   * home's own path again (a `readlink` per directory from `/`), then the
   * caller would stat the path too. A symlink, or a longer path, is resolved
   * whole by `realpath` and checked as before.
   */
  #locateSync(virtualPath: string, joined: string): Located {
    if (nameCount(virtualPath) <= WALK_MAX_NAMES) {
      const info = this.#walkSync(virtualPath);
      if (info) return { real: joined, info };
    }
    return { real: this.#insideOrThrow(Deno.realPathSync(joined), virtualPath), info: null };
  }

  /** The `lstat` of each name of `virtualPath` from the home down; null at the first symlink. */
  #walkSync(virtualPath: string): Deno.FileInfo | null {
    if (virtualPath === "/") {
      const info = Deno.lstatSync(this.#root);
      return info.isSymlink ? null : info;
    }
    let info: Deno.FileInfo | null = null;
    let end = 0;
    while (end < virtualPath.length) {
      const next = virtualPath.indexOf("/", end + 1);
      end = next === -1 ? virtualPath.length : next;
      info = Deno.lstatSync(this.#root + virtualPath.slice(0, end));
      if (info.isSymlink) return null;
    }
    return info;
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
  stat(virtualPath: string): Promise<Entry> {
    return this.#lock.shared(() => this.#describe(virtualPath, "stat"));
  }

  /** Throws unless the path is an existing directory (errors say "Cannot enter"). */
  async requireDirectory(virtualPath: string): Promise<void> {
    const entry = await this.#lock.shared(() => this.#describe(virtualPath, "enter"));
    if (entry.type !== "dir") {
      throw new OperationError("not_a_directory", `Cannot enter "${virtualPath}": not a directory`);
    }
  }

  /** Describes one path; a failure reads `Cannot ACTION "path": reason`. */
  async #describe(virtualPath: string, action: string): Promise<Entry> {
    const { real, info } = await this.#locate(virtualPath);
    try {
      const described = info ?? await statResolved(this.#realJoin(virtualPath), real);
      return toEntry(baseName(virtualPath), described);
    } catch (error) {
      throw fromFsError(error, action, virtualPath);
    }
  }

  /**
   * Lists a directory, sorted by name. Reserved names are hidden; a symlink
   * leading outside the home is shown as a `link` and nothing about its
   * target is revealed. The caller closes the listing once delivered.
   */
  openListing(virtualPath: string): Promise<Listing> {
    return this.#lock.shared(() => this.#list(virtualPath));
  }

  /** A directory's entries as objects, for walks of small directories. */
  async list(virtualPath: string): Promise<Entry[]> {
    using listing = await this.openListing(virtualPath);
    return listing.toArray();
  }

  /** Resolves and stats the directory, then lists it, waiting its turn if it is large (`list_gate.ts`). */
  async #list(virtualPath: string): Promise<Listing> {
    const located = await this.#locate(virtualPath);
    const real = located.real;
    const joined = this.#realJoin(virtualPath);
    let info: Deno.FileInfo;
    try {
      // Taken before the read: a change made during it makes the next listing a stranger's.
      info = located.info ?? await statResolved(joined, real);
    } catch (error) {
      throw fromFsError(error, "list", virtualPath);
    }
    const stamp = directoryStamp(info);
    const known = syncFs.listedEntries(joined, stamp);
    const large = info.size >= LARGE_DIRECTORY_BYTES || (known ?? 0) >= LARGE_LISTING_ENTRIES;
    const read = (gated: boolean) => this.#readListing(virtualPath, real, joined, stamp, gated);
    return large ? await largeListings.run(() => read(true)) : await read(false);
  }

  async #readListing(
    virtualPath: string,
    real: string,
    joined: string,
    stamp: string,
    gated: boolean,
  ): Promise<Listing> {
    const names = await this.#readNames(virtualPath, real, joined, stamp);
    // UTF-16 code unit order, as the listing has always been sorted.
    names.sort();
    // Large after all (a file system whose directory sizes tell little): wait to describe it.
    return gated || names.length < LARGE_LISTING_ENTRIES
      ? await this.#describeAll(real, names)
      : await largeListings.run(() => this.#describeAll(real, names));
  }

  /** The directory's names, reserved ones left out, refusing more than `max_list_entries`. */
  async #readNames(
    virtualPath: string,
    real: string,
    joined: string,
    stamp: string,
  ): Promise<string[]> {
    const names: string[] = [];
    let seen = 0;
    const add = (item: Deno.DirEntry) => {
      seen++;
      if (item.name.startsWith(RESERVED_PREFIX)) return;
      if (names.length >= this.#maxListEntries) {
        throw new OperationError(
          "too_large",
          `Cannot list "${virtualPath}": more than ${this.#maxListEntries} entries`,
        );
      }
      names.push(item.name);
    };
    try {
      // The asynchronous reader costs one round trip through the thread pool per entry.
      const known = syncFs.listedEntries(joined, stamp);
      if (known !== null && known <= SYNC_READ_DIR_MAX_ENTRIES && syncFs.isHot(joined)) {
        syncFs.run(() => [...Deno.readDirSync(real)], known * READ_DIR_MS_PER_ENTRY).forEach(add);
      } else {
        for await (const item of Deno.readDir(real)) add(item);
      }
    } catch (error) {
      throw fromFsError(error, "list", virtualPath);
    }
    syncFs.listed(joined, seen, stamp);
    return names;
  }

  /**
   * Creates a directory; with `parents`, each missing one on the path, one
   * at a time from the top, so each is checked where it landed.
   */
  async mkdir(virtualPath: string, options: MkdirOptions = {}): Promise<void> {
    if (virtualPath === "/") {
      if (options.parents) return;
      throw new OperationError("exists", `Cannot create "/": already exists`);
    }
    await this.#lock.shared(async () => {
      if (!options.parents) return await this.#createDirectory(virtualPath, virtualPath, false);
      const names = virtualPath.slice(1).split("/");
      for (let depth = 1; depth <= names.length; depth++) {
        await this.#createDirectory(`/${names.slice(0, depth).join("/")}`, virtualPath, true);
      }
    });
  }

  /**
   * Creates one directory of `asked` (the path the client asked for), and
   * undoes it if it landed outside the home. With `existingOk` (`mkdir -p`)
   * a directory already there is fine.
   */
  async #createDirectory(virtualPath: string, asked: string, existingOk: boolean): Promise<void> {
    const real = await this.resolve(virtualPath);
    try {
      await Deno.mkdir(real);
    } catch (error) {
      if (existingOk && error instanceof Deno.errors.AlreadyExists) {
        // `real` is resolved: a symlink there leads to a directory inside, or was refused.
        if ((await Deno.stat(real).catch(() => null))?.isDirectory) return;
        if (virtualPath === asked) throw fromFsError(error, "create", asked);
        throw new OperationError(
          "not_a_directory",
          `Cannot create "${asked}": "${virtualPath}" is not a directory`,
        );
      }
      throw fromFsError(error, "create", asked);
    }
    await this.#landedInside(real, asked, (landed) => Deno.remove(landed));
  }
  /**
   * Opens an existing regular file for reading (at any offset), with its
   * current info. If the path names another file by the time the open is
   * checked, the open is tried again: a file replaced by an upload at that
   * moment is no attack, and the new version is opened.
   */
  async openFile(virtualPath: string): Promise<{ file: FileReader; info: StoredFile }> {
    const { file, info } = await this.#lock.shared(() => this.#openFile(virtualPath));
    return { file: new LocalFileReader(file), info: storedFile(info) };
  }

  async #openFile(virtualPath: string): Promise<{ file: Deno.FsFile; info: Deno.FileInfo }> {
    for (let attempt = 1; attempt <= OPEN_ATTEMPTS; attempt++) {
      const opened = await this.#openChecked(virtualPath);
      if (opened) return opened;
    }
    throw new OperationError(
      "changed",
      `Cannot open "${virtualPath}": it keeps being replaced while being opened`,
    );
  }

  /** One attempt of {@linkcode Vfs.openFile}: null if the path no longer names what was opened. */
  async #openChecked(
    virtualPath: string,
  ): Promise<{ file: Deno.FsFile; info: Deno.FileInfo } | null> {
    const real = await this.resolve(virtualPath);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(real, { read: true });
    } catch (error) {
      throw fromFsError(error, "open", virtualPath);
    }
    try {
      const info = await syncFs.preferSync(() => file.statSync(), () => file.stat());
      if (!await this.#stillNames(virtualPath, real, info)) {
        file.close();
        return null;
      }
      if (info.isDirectory) {
        throw new OperationError("is_a_directory", `Cannot read "${virtualPath}": is a directory`);
      }
      if (!info.isFile) {
        throw new OperationError("bad_request", `Cannot read "${virtualPath}": not a regular file`);
      }
      return { file, info };
    } catch (error) {
      file.close();
      throw fromFsError(error, "open", virtualPath);
    }
  }

  /** The file or directory at a path, following symlinks inside the home; null if missing. */
  async statOrNull(virtualPath: string): Promise<StoredFile | null> {
    const info = await this.#lock.shared(() => this.#statOrNull(virtualPath));
    return info && storedFile(info);
  }

  async #statOrNull(virtualPath: string): Promise<Deno.FileInfo | null> {
    const { real, info } = await this.#locate(virtualPath);
    try {
      return info ?? await statResolved(this.#realJoin(virtualPath), real);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw fromFsError(error, "stat", virtualPath);
    }
  }

  /**
   * Sets a file's or directory's modification time (milliseconds since the
   * epoch); its access time is kept. Done on the opened file, re-checked to
   * be the one the path names inside the home (as reads are).
   */
  setModified(virtualPath: string, mtime: number): Promise<void> {
    return this.#lock.shared(async () => {
      const real = await this.resolve(virtualPath);
      let file: Deno.FsFile;
      try {
        file = await Deno.open(real, { read: true });
      } catch (error) {
        throw fromFsError(error, "set the time of", virtualPath);
      }
      try {
        const info = await file.stat();
        if (!await this.#stillNames(virtualPath, real, info)) {
          throw new OperationError(
            "changed",
            `Cannot set the time of "${virtualPath}": it was replaced meanwhile`,
          );
        }
        await file.utime(info.atime ?? new Date(mtime), new Date(mtime));
      } catch (error) {
        throw fromFsError(error, "set the time of", virtualPath);
      } finally {
        file.close();
      }
    });
  }

  /** Real path of the partial upload `name` (in the home's hidden partial dir, created on demand). */
  async partialFile(name: string): Promise<string> {
    if (!PARTIAL_NAME_PATTERN.test(name)) throw new RangeError(`Invalid partial name "${name}"`);
    const dir = join(this.#root, PARTIAL_DIR);
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    return join(dir, name);
  }

  /** Current length of a partial upload; 0 when it does not exist. */
  async partialLength(name: string): Promise<number> {
    try {
      return (await Deno.stat(await this.partialFile(name))).size;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return 0;
      throw error;
    }
  }

  /** Opens a partial upload for writing, cut (or extended) to `length` bytes, positioned at its end. */
  async openPartial(name: string, length: number): Promise<PartialWriter> {
    const file = await Deno.open(await this.partialFile(name), {
      read: true,
      write: true,
      create: true,
      mode: 0o600,
    });
    try {
      // Only cut when needed: on ext4, truncating makes close() flush the whole file.
      if ((await file.stat()).size !== length) await file.truncate(length);
      await file.seek(length, Deno.SeekMode.Start);
      return new LocalPartialWriter(file);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** Deletes a partial upload if it exists. */
  async removePartial(name: string): Promise<void> {
    await Deno.remove(await this.partialFile(name)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  /**
   * Starts a partial upload as a copy of the file at `virtualPath` (to append
   * to it). The file is checked by {@linkcode Vfs.openFile}, then copied by
   * path with `Deno.copyFile` (`copy_file_range` on Linux: the kernel copies,
   * nothing crosses into the process, and a copy-on-write file system such
   * as XFS or Btrfs shares the blocks instead), all under the home's lock, so
   * no rename can redirect the path meanwhile; an upload's commit may still
   * replace the file, so the copy is kept only if the path still names the
   * file checked, at the size checked.
   */
  copyToPartial(virtualPath: string, name: string): Promise<void> {
    return this.#lock.shared(() => this.#copyToPartial(virtualPath, name));
  }

  async #copyToPartial(virtualPath: string, name: string): Promise<void> {
    const { file, info } = await this.#openFile(virtualPath);
    file.close();
    const partial = await this.partialFile(name);
    try {
      const real = await this.resolve(virtualPath);
      await Deno.copyFile(real, partial);
      await Deno.chmod(partial, 0o600);
      const [now, copy] = [await Deno.stat(real), await Deno.stat(partial)];
      if (now.dev !== info.dev || now.ino !== info.ino || copy.size !== info.size) {
        throw new OperationError(
          "changed",
          `Cannot append to "${virtualPath}": it was replaced while being copied`,
        );
      }
    } catch (error) {
      await this.removePartial(name).catch(() => {});
      throw fromFsError(error, "copy", virtualPath);
    }
  }

  /**
   * Atomically gives a partial upload its final name, replacing a file there.
   * Returns the size of the replaced file (0 if none).
   */
  async commitPartial(
    name: string,
    virtualPath: string,
    options: CommitOptions = {},
  ): Promise<{ replaced: number }> {
    if (virtualPath === "/") throw new OperationError("is_a_directory", `Cannot write "/"`);
    const partial = await this.partialFile(name);
    // Before the rename, so the file appears under its name with its time, in one step.
    if (options.mtime !== undefined) {
      await Deno.utime(partial, options.mtime / 1000, options.mtime / 1000);
    }
    return await this.#lock.shared(async () => {
      const real = await this.resolve(virtualPath);
      const existing = await Deno.lstat(real).catch(() => null);
      if (existing?.isDirectory) {
        throw new OperationError("is_a_directory", `Cannot write "${virtualPath}": is a directory`);
      }
      try {
        await Deno.rename(partial, real);
      } catch (error) {
        throw fromFsError(error, "write", virtualPath);
      }
      // Undone by taking it back as the partial: the upload can be committed again.
      await this.#landedInside(
        real,
        virtualPath,
        (landed) => Deno.rename(landed, partial),
        "write",
      );
      return { replaced: existing?.isFile ? existing.size : 0 };
    });
  }

  /** Removes a file or symlink (never a directory); returns the bytes of content freed. */
  async removeFile(virtualPath: string): Promise<number> {
    if (virtualPath === "/") {
      throw new OperationError("is_a_directory", `Cannot remove "/": it is your home`);
    }
    return await this.#lock.exclusive(() => this.#removeFile(virtualPath));
  }

  async #removeFile(virtualPath: string): Promise<number> {
    const real = await this.resolveEntry(virtualPath);
    try {
      const info = await Deno.lstat(real);
      if (info.isDirectory) {
        throw new OperationError(
          "is_a_directory",
          `Cannot remove "${virtualPath}": is a directory (use rmdir)`,
        );
      }
      await Deno.remove(real);
      return info.isFile ? info.size : 0;
    } catch (error) {
      throw fromFsError(error, "remove", virtualPath);
    }
  }

  /** Throws unless something (a symlink counts) exists at the path. */
  requireEntry(virtualPath: string): Promise<void> {
    return this.#lock.shared(() => this.#requireEntry(virtualPath));
  }

  async #requireEntry(virtualPath: string): Promise<void> {
    const real = await this.resolveEntry(virtualPath);
    try {
      await Deno.lstat(real);
    } catch (error) {
      throw fromFsError(error, "open", virtualPath);
    }
  }

  /**
   * Removes a directory: empty, or with everything in it when `recursive`.
   * Symlinks inside are removed, never followed. Returns the bytes of content freed.
   */
  async removeDirectory(
    virtualPath: string,
    options: RemoveDirectoryOptions = {},
  ): Promise<number> {
    if (virtualPath === "/") {
      throw new OperationError("forbidden", `Cannot remove "/": it is your home`);
    }
    return await this.#lock.exclusive(() => this.#removeDirectory(virtualPath, options));
  }

  async #removeDirectory(virtualPath: string, options: { recursive?: boolean }): Promise<number> {
    const real = await this.resolveEntry(virtualPath);
    try {
      const info = await Deno.lstat(real);
      if (!info.isDirectory) {
        throw new OperationError(
          "not_a_directory",
          `Cannot remove "${virtualPath}": not a directory (use rm)`,
        );
      }
      if (!options.recursive) {
        await Deno.remove(real);
        return 0;
      }
      const staging = join(this.#root, REMOVING_DIR);
      // What a removal the server was stopped in left behind goes first (and was charged).
      const left = await removeLeftovers(staging);
      return left + await removeTree(real, staging);
    } catch (error) {
      throw fromFsError(error, "remove", virtualPath);
    }
  }

  /**
   * Renames or moves an entry (a symlink is moved, not its target). When `to`
   * is an existing directory the entry moves into it. An existing file at the
   * destination is replaced; its size is returned as `replaced`.
   */
  async rename(from: string, to: string): Promise<{ to: string; replaced: number }> {
    if (from === "/") throw new OperationError("forbidden", `Cannot move "/": it is your home`);
    return await this.#lock.exclusive(() => this.#rename(from, to));
  }

  async #rename(from: string, to: string): Promise<{ to: string; replaced: number }> {
    const source = await this.resolveEntry(from);
    try {
      await Deno.lstat(source);
    } catch (error) {
      throw fromFsError(error, "move", from);
    }
    let target = to;
    if ((await this.#statOrNull(to))?.isDirectory) {
      target = to === "/" ? `/${baseName(from)}` : `${to}/${baseName(from)}`;
    }
    if (target === from) return { to: target, replaced: 0 };
    if (target.startsWith(`${from}/`)) {
      throw new OperationError("bad_request", `Cannot move "${from}" into itself`);
    }
    const destination = await this.resolveEntry(target);
    await this.#refuseTooDeep(source, from, target);
    const existing = await Deno.lstat(destination).catch(() => null);
    try {
      await Deno.rename(source, destination);
    } catch (error) {
      throw fromFsError(error, `move "${from}" to`, target);
    }
    return { to: target, replaced: existing?.isFile ? existing.size : 0 };
  }

  /**
   * Stats the entries of a listing, once a large one has its share of the
   * listing budget. One asynchronous file system call costs tens of
   * microseconds of dispatch, so a 2,000-entry listing made that way takes
   * ~100 ms; synchronous stats take ~10 ms. So entries are described
   * synchronously in slices of at most {@linkcode SYNC_SLICE_MS}, letting
   * other sessions run between slices (`setImmediate`: `setTimeout(0)`
   * waits a millisecond or more); once a stat is slow (a cold disk, see
   * `sync_fs.ts`), the rest go asynchronously, so other sessions never wait
   * on the disk.
   */
  async #describeAll(real: string, names: string[]): Promise<Listing> {
    const release = names.length >= LARGE_LISTING_ENTRIES
      ? await listingBudget.reserve(listingBytes(names))
      : undefined;
    const listing = new Listing(names, release);
    try {
      let next = 0;
      while (next < names.length && syncFs.enabled) {
        next = this.#describeSlice(real, listing, next);
        if (next < names.length) await new Promise((resolve) => setImmediate(resolve));
      }
      for (; next < names.length; next++) {
        listing.describe(next, await this.#listEntry(childPath(real, names[next]!), names[next]!));
      }
      return listing;
    } catch (error) {
      listing.close();
      throw error;
    }
  }

  /** Describes entries synchronously from `start` until the slice's time is up; returns the next index. */
  #describeSlice(real: string, listing: Listing, start: number): number {
    const began = performance.now();
    let index = start;
    while (index < listing.length && syncFs.enabled) {
      const name = listing.name(index);
      listing.describe(index++, syncFs.run(() => this.#listEntrySync(childPath(real, name), name)));
      if (performance.now() - began > SYNC_SLICE_MS) break;
    }
    return index;
  }

  /**
   * Describes one listed entry. The directory read's idea of the entry's type
   * is not trusted: another session may have renamed a symlink leading out
   * onto the name since, and a stat would describe its target. So the entry
   * itself is looked at (`lstat`), and a symlink's target is described only
   * through its resolved path, once checked inside the home.
   */
  #listEntrySync(real: string, name: string): Entry {
    try {
      const info = Deno.lstatSync(real);
      if (!info.isSymlink) return toEntry(name, info);
      return toEntry(name, Deno.statSync(this.#insideOrThrow(Deno.realPathSync(real), name)));
    } catch {
      return { name, type: "link", size: 0, mtime: 0 };
    }
  }

  async #listEntry(real: string, name: string): Promise<Entry> {
    try {
      const info = await Deno.lstat(real);
      if (!info.isSymlink) return toEntry(name, info);
      return toEntry(name, await Deno.stat(this.#insideOrThrow(await Deno.realPath(real), name)));
    } catch {
      return { name, type: "link", size: 0, mtime: 0 };
    }
  }

  /**
   * Checks that the file opened at `real` is the one inside the home. Between
   * the jail's check of a path and the open, another session of the user may
   * rename a symlink leading out (the jail refuses to follow one, but not to
   * rename it) over a directory on the path, and the open follows it. So the
   * path is resolved again after the open: it must still lead inside the home
   * (else the request is refused), and name the very file opened (same device
   * and inode; else false, and the caller opens again).
   */
  async #stillNames(virtualPath: string, real: string, opened: Deno.FileInfo): Promise<boolean> {
    const hot = syncFs.isHot(this.#realJoin(virtualPath));
    const now = this.#insideOrThrow(
      hot ? syncFs.run(() => Deno.realPathSync(real)) : await Deno.realPath(real),
      virtualPath,
    );
    const there = hot ? syncFs.run(() => Deno.statSync(now)) : await Deno.stat(now);
    return there.dev === opened.dev && there.ino === opened.ino;
  }

  /**
   * Refuses to move a directory where the paths inside it would outgrow the
   * path limit: the user could not name them, and the tree could grow past
   * what one system call can name (PATH_MAX). A move up or across never
   * lengthens them, so only a move deeper reads the tree, no deeper than the
   * limit allows.
   */
  async #refuseTooDeep(source: string, from: string, target: string): Promise<void> {
    const gained = byteLength(target) - byteLength(from);
    if (gained <= 0 || !(await Deno.lstat(source)).isDirectory) return;
    const budget = this.#maxPathBytes - byteLength(target);
    if (budget >= 0 && !await hasPathLongerThan(source, budget)) return;
    throw new OperationError(
      "too_large",
      `Cannot move "${from}" to "${target}": paths inside would be longer than ${this.#maxPathBytes} bytes`,
    );
  }

  #realJoin(virtualPath: string): string {
    return virtualPath === "/" ? this.#root : this.#root + virtualPath;
  }

  /**
   * Checks where something just created at `real` landed: if a symlink
   * leading out was swapped onto its path meanwhile (the home's lock keeps
   * the server's own sessions from doing so; this is the second line), the
   * creation is undone and refused.
   */
  async #landedInside(
    real: string,
    virtualPath: string,
    undo: (landed: string) => Promise<void>,
    action = "create",
  ): Promise<void> {
    const landed = await Deno.realPath(real).catch(() => null);
    if (landed !== null && this.#isInside(landed)) return;
    if (landed !== null) await undo(landed).catch(() => {});
    throw new OperationError("forbidden", `Cannot ${action} "${virtualPath}": outside your home`);
  }

  #isInside(real: string): boolean {
    return real === this.#root || real.startsWith(this.#root + "/");
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

/** A resolved path, and its file info when resolving it told it (as a stat of it would). */
interface Located {
  real: string;
  info: Deno.FileInfo | null;
}

/** Names in a normalized virtual path: 0 for `/`, 2 for `/a/b`. */
function nameCount(virtualPath: string): number {
  let count = 0;
  for (let index = 0; index < virtualPath.length; index++) {
    if (virtualPath.charCodeAt(index) === SLASH) count++;
  }
  return virtualPath === "/" ? 0 : count;
}

/**
 * Stats a resolved path: synchronously when the path it was resolved from is
 * hot (see `sync_fs.ts`), else through the thread pool.
 */
function statResolved(joined: string, real: string): Promise<Deno.FileInfo> | Deno.FileInfo {
  return syncFs.isHot(joined) ? syncFs.run(() => Deno.statSync(real)) : Deno.stat(real);
}

/** A directory's real path joined with one of its entries' names (a name has no `/`). */
function childPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
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

/**
 * The length of `text` in UTF-8, as `TextEncoder` would encode it (a lone
 * surrogate as the 3 bytes of U+FFFD), counted without encoding: every path
 * of every command is measured, several times.
 */
export function byteLength(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 2; // A pair: 2 UTF-16 units, 4 bytes.
      index++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
