/**
 * Where users' files live, behind one interface, so a new storage backend
 * plugs in without touching the fronts or the file logic in `core/`:
 *
 * - {@linkcode Storage}: the homes of a data dir (create, open, move aside
 *   when an account is deleted, remove, measure);
 * - {@linkcode HomeStorage}: one user's home as a virtual tree rooted at `/`.
 *   Every path a client sends is normalized and checked here, and only here:
 *   a backend must refuse any path that would land outside the home.
 *   Uploads go to hidden partial files, committed under their name in one
 *   atomic step.
 *
 * `local/` is the backend on the server's file system (the realpath jail).
 *
 * @module
 */

import type { Entry } from "../../protocol/messages.ts";
import type { FileVersion } from "../store/mod.ts";
import type { Listing } from "./listing.ts";

/** What a backend knows of one stored file or directory. */
export interface StoredFile {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  /** Modification time, milliseconds since the epoch (0 when unknown). */
  mtime: number;
  /** Identifies this version of the file: the sha256 cache's key and the resume tag's source. */
  version: FileVersion;
}

/** A file open for reading, positioned by {@linkcode FileReader.seek}. */
export interface FileReader {
  /** Moves to byte `offset`; never waits on the disk. */
  seek(offset: number): void;
  /** Reads into `buffer` at the position; null at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** The file as it is now (to tell whether it changed while being read). */
  stat(): Promise<StoredFile>;
  close(): void;
}

/** A partial upload open for appending (and, for a resume, re-reading its prefix). */
export interface PartialWriter {
  /** Writes some of `data` at the position; returns how much. */
  write(data: Uint8Array): Promise<number>;
  read(buffer: Uint8Array): Promise<number | null>;
  seek(offset: number): Promise<void>;
  /** The file's length now (after a failed write, what it really holds). */
  length(): Promise<number>;
  close(): void;
}

/** Options for {@linkcode HomeStorage.commitPartial}. */
export interface CommitOptions {
  /** Modification time the file gets, ms since the epoch (a client keeping its local time). */
  mtime?: number;
}

/** Options for {@linkcode HomeStorage.mkdir}. */
export interface MkdirOptions {
  /** Create missing parents and accept an existing directory. */
  parents?: boolean;
}

/** Options for {@linkcode HomeStorage.removeDirectory}. */
export interface RemoveDirectoryOptions {
  /** Remove everything in it too. */
  recursive?: boolean;
}

/**
 * One user's files as a virtual tree: `/` is the home. Paths given to every
 * method but `normalize` are normalized virtual paths. Errors are
 * `OperationError`s naming virtual paths only.
 */
export interface HomeStorage {
  /** Normalizes a client path against the current directory (text only). */
  normalize(cwd: string, input: string): string;
  stat(path: string): Promise<Entry>;
  /** What is at `path`, or null when nothing is. */
  statOrNull(path: string): Promise<StoredFile | null>;
  /** Throws unless `path` is a directory. */
  requireDirectory(path: string): Promise<void>;
  /** Throws unless something is at `path`. */
  requireEntry(path: string): Promise<void>;
  /** A directory's entries, sorted by name; the caller closes it once it has delivered it. */
  openListing(path: string): Promise<Listing>;
  /** A directory's entries as objects, sorted by name: for walks of small directories. */
  list(path: string): Promise<Entry[]>;
  mkdir(path: string, options?: MkdirOptions): Promise<void>;
  /** Opens a regular file for reading, with what it was when opened. */
  openFile(path: string): Promise<{ file: FileReader; info: StoredFile }>;
  /** Bytes a partial upload holds (0 when there is none). */
  partialLength(name: string): Promise<number>;
  /** Opens a partial upload for writing from byte `length` (created, or cut to `length`). */
  openPartial(name: string, length: number): Promise<PartialWriter>;
  removePartial(name: string): Promise<void>;
  /** Makes a partial upload a copy of the stored file (to append to it). */
  copyToPartial(path: string, name: string): Promise<void>;
  /**
   * Gives a partial upload its name atomically (with modification time
   * `mtime` ms when given); returns the size of the file it replaced.
   */
  commitPartial(name: string, path: string, options?: CommitOptions): Promise<{ replaced: number }>;
  /** Removes a file; returns the bytes freed. */
  removeFile(path: string): Promise<number>;
  /** Removes a directory; returns the bytes freed. */
  removeDirectory(path: string, options?: RemoveDirectoryOptions): Promise<number>;
  /** Sets the modification time of a file or directory (milliseconds since the epoch). */
  setModified(path: string, mtime: number): Promise<void>;
  /** Renames (into `to` when it is a directory); returns the final name and bytes replaced. */
  rename(from: string, to: string): Promise<{ to: string; replaced: number }>;
}

/** Limits applied to a home's paths and listings (`max_path_length`, `max_list_entries`). */
export interface HomeLimits {
  maxPathBytes?: number;
  maxListEntries?: number;
}

/** What a home holds: the apparent size of its regular files, partial uploads included. */
export interface TreeSize {
  bytes: number;
  files: number;
}

/** The homes of a data dir. */
export interface Storage {
  /** Creates a home (no error if it exists). */
  createHome(name: string): Promise<void>;
  /** Opens a home, creating it if needed. */
  openHome(name: string, limits?: HomeLimits): Promise<HomeStorage>;
  /**
   * Moves a home out of the way (of a deleted account) to a new name where
   * it is kept; returns where, or null when there was no home.
   */
  moveHomeAside(name: string): Promise<string | null>;
  /** Puts a home moved aside back (a deletion that failed). */
  restoreHome(name: string, aside: string): Promise<void>;
  /** Deletes a home moved aside, with everything in it. */
  purge(aside: string): Promise<void>;
  /** Measures a home (a missing one is empty). */
  measureHome(name: string): Promise<TreeSize>;
  /** Where a home is, for the operator (e.g. in a confirmation). */
  describeHome(name: string): string;
}
