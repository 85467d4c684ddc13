/**
 * The one file service under every front: each operation normalizes the
 * client's path against the session's directory, runs the storage operation
 * in the user's home, and keeps the quota ledger in step, so no front calls
 * the storage or the ledger itself and a new front is only a translation of
 * its protocol into these calls. Transfers are started here too; their
 * progress and outcome are recorded by {@linkcode TransferRecord}.
 */

import type { Entry, FileIdentity } from "../../protocol/messages.ts";
import { OperationError } from "./errors.ts";
import { signedIn, type UserSession } from "./session.ts";
import type { MkdirOptions, RemoveDirectoryOptions } from "../storage/mod.ts";
import type { Usage } from "../store/mod.ts";
import {
  beginUpload,
  type Download,
  type DownloadOptions,
  fileDigest,
  openDownload,
  type Upload,
  uploadOffset,
  type UploadOptions,
} from "./transfer/mod.ts";
import type { TransferStores } from "./transfer/stores.ts";

/** What {@linkcode FileService.listTarget} found: a directory's entries, or one file. */
export interface ListTarget {
  path: string;
  directory: boolean;
  entries: Entry[];
}

/** File operations for logged-in sessions of any front. */
export class FileService {
  readonly #stores: TransferStores;

  /** Keeps used space, partial uploads and digests in `stores`. */
  constructor(stores: TransferStores) {
    this.#stores = stores;
  }

  /** The normalized virtual path a client's `input` names from the session's directory. */
  path(session: UserSession, input: string): string {
    return signedIn(session).home.normalize(session.cwd, input);
  }

  /** Describes one path. */
  async stat(session: UserSession, input: string): Promise<{ path: string; entry: Entry }> {
    const path = this.path(session, input);
    return { path, entry: await signedIn(session).home.stat(path) };
  }

  /** A directory's entries, sorted by name. */
  async list(session: UserSession, input = "."): Promise<{ path: string; entries: Entry[] }> {
    const path = this.path(session, input);
    return { path, entries: await signedIn(session).home.list(path) };
  }

  /** What a listing of `input` shows: a directory's entries, or the one file it names. */
  async listTarget(session: UserSession, input = "."): Promise<ListTarget> {
    const { path, entry } = await this.stat(session, input);
    if (entry.type !== "dir") return { path, directory: false, entries: [entry] };
    return { path, directory: true, entries: await signedIn(session).home.list(path) };
  }

  /** Makes `input` the session's directory; returns its path. */
  async changeDirectory(session: UserSession, input: string): Promise<string> {
    const path = this.path(session, input);
    await signedIn(session).home.requireDirectory(path);
    session.cwd = path;
    return path;
  }

  /** Creates a directory; returns its path. */
  async mkdir(session: UserSession, input: string, options: MkdirOptions = {}): Promise<string> {
    const path = this.path(session, input);
    await signedIn(session).home.mkdir(path, options);
    return path;
  }

  /** Removes a file (or symlink); the bytes freed leave the user's used space. */
  async removeFile(session: UserSession, input: string): Promise<{ path: string; freed: number }> {
    const { account, home } = signedIn(session);
    const path = this.path(session, input);
    const freed = await home.removeFile(path);
    await this.#stores.quota.adjust(account.id, -freed);
    return { path, freed };
  }

  /** Removes a directory (with everything in it when `recursive`); frees its bytes. */
  async removeDirectory(
    session: UserSession,
    input: string,
    options: RemoveDirectoryOptions = {},
  ): Promise<{ path: string; freed: number }> {
    const { account, home } = signedIn(session);
    const path = this.path(session, input);
    const freed = await home.removeDirectory(path, options);
    await this.#stores.quota.adjust(account.id, -freed);
    return { path, freed };
  }

  /** Checks that something is at `input`, to be renamed next (FTP RNFR); returns its path. */
  async renameSource(session: UserSession, input: string): Promise<string> {
    const path = this.path(session, input);
    await signedIn(session).home.requireEntry(path);
    return path;
  }

  /**
   * Renames or moves (into `to` when it is a directory); a file replaced at
   * the new name leaves the user's used space.
   */
  async rename(
    session: UserSession,
    from: string,
    to: string,
  ): Promise<{ from: string; to: string }> {
    const { account, home } = signedIn(session);
    const source = this.path(session, from);
    const moved = await home.rename(source, this.path(session, to));
    await this.#stores.quota.adjust(account.id, -moved.replaced);
    return { from: source, to: moved.to };
  }

  /** Sets the modification time of a file or directory (milliseconds since the epoch). */
  async setModified(session: UserSession, input: string, mtime: number): Promise<string> {
    const path = this.path(session, input);
    await signedIn(session).home.setModified(path, mtime);
    return path;
  }

  /** A whole file's sha256 (cached by file version) and identity. */
  async checksum(
    session: UserSession,
    input: string,
  ): Promise<{ path: string; sha256: string; identity: FileIdentity }> {
    const path = this.path(session, input);
    const digest = await fileDigest(signedIn(session).home, this.#stores.hashes, path);
    return { path, ...digest };
  }

  /**
   * Bytes the server holds of `input`: the file's size, or for a file whose
   * upload was interrupted, the bytes of it received so far; null when
   * neither exists (FTP SIZE, and where APPE resumes).
   */
  async storedLength(
    session: UserSession,
    input: string,
  ): Promise<{ path: string; length: number | null }> {
    const { account, home } = signedIn(session);
    const path = this.path(session, input);
    const info = await home.statOrNull(path);
    if (info?.isFile) return { path, length: info.size };
    if (info) throw new OperationError("is_a_directory", `Cannot size "${path}": not a file`);
    const record = await this.#stores.partials.get(account.id, path);
    return { path, length: record ? await home.partialLength(record.partial) : null };
  }

  /** The user's used space, reservations and quota. */
  usage(session: UserSession): Promise<Usage> {
    return this.#stores.quota.usage(signedIn(session).account.id);
  }

  /** Throws `quota_exceeded` unless `bytes` more would fit now (FTP ALLO). */
  requireRoom(session: UserSession, bytes: number): Promise<void> {
    return this.#stores.quota.check(
      signedIn(session).account.id,
      bytes,
      `${bytes} bytes`,
    );
  }

  /** Opens a file to send a range of it; see {@linkcode DownloadOptions}. Close it when done. */
  async download(
    session: UserSession,
    input: string,
    options: DownloadOptions = {},
  ): Promise<Download> {
    const path = this.path(session, input);
    return await openDownload(signedIn(session).home, this.#stores.hashes, path, options);
  }

  /** Where an upload of `input` from this source would resume, checking that the rest fits. */
  async uploadOffset(
    session: UserSession,
    input: string,
    options: { size: number; source?: string },
  ): Promise<{ path: string; offset: number }> {
    const { account, home } = signedIn(session);
    const path = this.path(session, input);
    const target = { home, userId: account.id, path };
    return { path, offset: await uploadOffset(this.#stores, target, options) };
  }

  /** Starts (or resumes) an upload to `input`; end it with `commit()` or `abort()`. */
  async upload(
    session: UserSession,
    input: string,
    options: UploadOptions = {},
  ): Promise<Upload> {
    const { account, home } = signedIn(session);
    const target = { home, userId: account.id, path: this.path(session, input) };
    return await beginUpload(this.#stores, target, options);
  }
}
