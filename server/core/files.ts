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
import type { HomeStorage, MkdirOptions, RemoveDirectoryOptions } from "../storage/mod.ts";
import { Listing } from "../storage/listing.ts";
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
import { rateLimitOf } from "./transfer/rate_limit.ts";
import type { ServerConfig } from "./config.ts";

/** The server's default bandwidth per transfer, bytes per second (`rate_down`, `rate_up`; 0: none). */
export type ServerRates = Pick<ServerConfig, "rateDown" | "rateUp">;

/** What {@linkcode FileService.listTarget} found: a directory's entries, or one file. */
export interface ListTarget {
  path: string;
  directory: boolean;
  /** Closed by the caller once delivered. */
  listing: Listing;
}

/** File operations for logged-in sessions of any front. */
export class FileService {
  readonly #stores: TransferStores;
  readonly #rates: ServerRates;

  /**
   * Keeps used space, partial uploads and digests in `stores`; transfers of
   * accounts without rate limits of their own get `rates` (0: none).
   */
  constructor(stores: TransferStores, rates: ServerRates = { rateDown: 0, rateUp: 0 }) {
    this.#stores = stores;
    this.#rates = rates;
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

  /** A directory's entries, sorted by name; the caller closes the listing once delivered. */
  async list(session: UserSession, input = "."): Promise<{ path: string; listing: Listing }> {
    const path = this.path(session, input);
    return { path, listing: await signedIn(session).home.openListing(path) };
  }

  /**
   * What a listing of `input` shows: a directory's entries, or the one file
   * it names; the caller closes the listing once delivered.
   */
  async listTarget(session: UserSession, input = "."): Promise<ListTarget> {
    const { path, entry } = await this.stat(session, input);
    if (entry.type !== "dir") return { path, directory: false, listing: Listing.of([entry]) };
    return { path, directory: true, listing: await signedIn(session).home.openListing(path) };
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

  /** Sets a file's modification time (ms since the epoch; a client keeping its local times). */
  async setModified(session: UserSession, input: string, mtime: number): Promise<string> {
    if (!Number.isSafeInteger(mtime) || mtime < 0) {
      throw new OperationError("bad_request", `Invalid modification time ${mtime}`);
    }
    const path = this.path(session, input);
    await signedIn(session).home.setModified(path, mtime);
    return path;
  }

  /**
   * Copies a file, or a directory with everything in it, to `to` (WebDAV
   * COPY). Each file is streamed through the storage into a hidden partial
   * and committed atomically, its space reserved first, so a copy that
   * would exceed the quota is refused before its data is written. An
   * existing target is replaced only with `overwrite` (a directory is then
   * merged into). Returns the paths and the bytes copied.
   */
  async copy(
    session: UserSession,
    from: string,
    to: string,
    options: { overwrite?: boolean } = {},
  ): Promise<{ from: string; to: string; bytes: number }> {
    const { account, home } = signedIn(session);
    const source = this.path(session, from);
    const target = this.path(session, to);
    if (source === target || target.startsWith(source === "/" ? "/" : `${source}/`)) {
      throw new OperationError("forbidden", `Cannot copy "${source}" into itself`);
    }
    const existing = await home.statOrNull(target);
    if (existing && !options.overwrite) {
      throw new OperationError("exists", `Cannot copy to "${target}": already exists`);
    }
    const bytes = await this.#copyEntry(home, account.id, source, target);
    return { from: source, to: target, bytes };
  }

  async #copyEntry(
    home: HomeStorage,
    userId: number,
    source: string,
    target: string,
  ): Promise<number> {
    const info = await home.statOrNull(source);
    if (!info) throw new OperationError("not_found", `Cannot copy "${source}": not found`);
    if (info.isDirectory) {
      await home.mkdir(target, { parents: true });
      let bytes = 0;
      for (const entry of await home.list(source)) {
        const child = (path: string) => `${path === "/" ? "" : path}/${entry.name}`;
        bytes += await this.#copyEntry(home, userId, child(source), child(target));
      }
      return bytes;
    }
    const download = await openDownload(home, this.#stores.hashes, source);
    try {
      const upload = await beginUpload(this.#stores, { home, userId, path: target }, {
        size: download.length,
      });
      try {
        await download.sendTo({
          write: async (chunk) => {
            await upload.write(chunk);
            return chunk.length;
          },
        });
        await upload.commit(download.digest === null ? {} : { sha256: download.digest });
      } finally {
        await upload.abort({ keep: false });
      }
      return download.length;
    } finally {
      download.close();
    }
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
    const { account, home } = signedIn(session);
    const path = this.path(session, input);
    const rate = rateLimitOf(account.rateDown, this.#rates.rateDown);
    return await openDownload(home, this.#stores.hashes, path, { ...options, rate });
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
    const rate = rateLimitOf(account.rateUp, this.#rates.rateUp);
    return await beginUpload(this.#stores, target, { ...options, rate });
  }
}
