/**
 * Uploads, independent of any protocol's framing:
 * `beginUpload() -> write()/receive() -> commit() | abort()`.
 *
 * Bytes go to a hidden partial file in the user's home (`.ftpx-partial/`,
 * one per target path), never under the final name; `commit` renames it
 * over the target atomically, after checking the sha256 when one is given,
 * so an existing file is only ever replaced by a complete new one. Space is
 * reserved before data flows (all of it when the size is declared, in steps
 * when it isn't, as in FTP) so concurrent uploads can't exceed the quota.
 * An aborted upload keeps its partial for a later resume (same path, size
 * and source), unless told to discard it.
 */

import type { RateLimit } from "./rate_limit.ts";
import { createHash, type Hash } from "node:crypto";
import type { ByteSource } from "../../../protocol/frame_reader.ts";
import { writeAll } from "../../../protocol/frame_writer.ts";
import type { FileIdentity } from "../../../protocol/messages.ts";
import { formatSize } from "../../../protocol/size.ts";
import { fromFsError, OperationError } from "../errors.ts";
import type { Reservation } from "../../store/mod.ts";
import type { HomeStorage, PartialWriter } from "../../storage/mod.ts";
import { releaseBuffer, takeBuffer } from "./buffers.ts";
import { fileIdentity, fileVersion } from "./identity.ts";
import { partialName } from "./partial_name.ts";
import type { TransferStores } from "./stores.ts";

/** Reservation step for uploads of undeclared size. */
export const RESERVATION_STEP_BYTES = 64 * 1024 * 1024;

/** Who uploads and where. */
export interface UploadTarget {
  /** The uploader's home. */
  home: HomeStorage;
  /** The uploader's account id (for quota). */
  userId: number;
  /** Normalized virtual path the file will have. */
  path: string;
}

/** How an upload starts. */
export interface UploadOptions {
  /**
   * Where writing starts. 0 (default) starts afresh. More resumes: the
   * partial must hold at least that many bytes (it is cut to `offset`); with
   * no partial, an existing file at the path that long is copied first (FTP
   * `APPE` and `REST`+`STOR` on a stored file).
   */
  offset?: number;
  /** Full size when declared up front: reserved at once, and exceeding it is an error. */
  size?: number;
  /** The client's identity of its source file (native `put`); recorded for resumes. */
  source?: string;
  /**
   * Compute the sha256 as data arrives (default true): it verifies a digest
   * the client declares, and is cached for later verified downloads. FTP
   * uploads skip it (no FTP client can use it, and it was a third of the
   * server's CPU per upload); the first whole download of the file hashes it.
   */
  hash?: boolean;
  /** Bounds the rate data is taken at (the account's bandwidth limit). */
  rate?: RateLimit | null;
}

/** What a committed upload became. */
export interface CommitResult {
  path: string;
  identity: FileIdentity;
  /**
   * The file's sha256; null when the upload was not hashed (FTP, see
   * {@linkcode UploadOptions.hash}, and an append of undeclared size onto a
   * copy of the stored file, whose hash would cost reading the whole file
   * again): it is computed on demand, by a checksum or a whole download.
   */
  sha256: string | null;
}

/** Options for {@linkcode Upload.receive}. */
export interface ReceiveOptions {
  /** Bytes to read; without it, reads until the source ends (FTP data connections). */
  length?: number;
  /** Called after each chunk with the bytes received so far by this call. */
  onProgress?: (received: number) => void;
}

/**
 * Where a `put` of `size` bytes from `source` would resume: the length of a
 * partial upload of the same file (0 if none). Also checks that the rest
 * would fit in the quota now, so a refusal comes before any data.
 */
export async function uploadOffset(
  stores: TransferStores,
  target: UploadTarget,
  options: { size: number; source?: string },
): Promise<number> {
  await requireWritableTarget(target);
  const record = await stores.partials.get(target.userId, target.path);
  let offset = 0;
  if (record && record.size === options.size && record.source === (options.source ?? null)) {
    offset = Math.min(await target.home.partialLength(record.partial), options.size);
  }
  await stores.quota.check(
    target.userId,
    options.size - offset,
    describe(target.path, options.size),
  );
  return offset;
}

/** Starts (or resumes) an upload; see {@linkcode UploadOptions}. */
export async function beginUpload(
  stores: TransferStores,
  target: UploadTarget,
  options: UploadOptions = {},
): Promise<Upload> {
  await requireWritableTarget(target);
  const { home, userId, path } = target;
  const offset = options.offset ?? 0;
  if (options.size !== undefined && offset > options.size) {
    throw new OperationError("bad_request", `Offset ${offset} is past the size ${options.size}`);
  }
  const name = partialName(path);
  let existing = await home.partialLength(name);
  let copied = 0;
  if (offset > 0) {
    ({ length: existing, copied } = await prepareResume(
      stores,
      target,
      name,
      existing,
      offset,
      options,
    ));
  }
  const reservation = await stores.quota.reserve(userId, {
    partial: name,
    base: offset,
    bytes: options.size === undefined ? 0 : options.size - offset,
    usedDelta: offset - existing,
    // A copy of the stored file, made to append to it: the commit replaces the file.
    credit: copied,
    what: describe(path, options.size),
  });
  try {
    await stores.partials.save({
      userId,
      path,
      partial: name,
      size: options.size ?? null,
      source: options.source ?? null,
    });
    const file = await home.openPartial(name, offset);
    // An FTP append onto the stored file costs what it appends: its prefix is not hashed
    // (nothing asks that upload for its sha256), as it was not read to be copied.
    const skip = options.hash === false || (copied > 0 && options.size === undefined);
    const hash = skip ? null : createHash("sha256");
    if (offset > 0 && hash !== null) await hashPrefix(file, offset, hash);
    return new Upload({
      stores,
      target,
      name,
      file,
      hash,
      reservation,
      size: options.size,
      rate: options.rate ?? null,
    });
  } catch (error) {
    await stores.quota.settle(reservation, 0);
    throw error;
  }
}

/** One upload in progress. */
export class Upload {
  readonly path: string;
  /** Where this upload started writing. */
  readonly offset: number;
  readonly #stores: TransferStores;
  readonly #target: UploadTarget;
  readonly #name: string;
  readonly #file: PartialWriter;
  readonly #hash: Hash | null;
  readonly #reservation: Reservation;
  readonly #size: number | undefined;
  readonly #rate: RateLimit | null;
  #length: number;
  #digest: string | null = null;
  #ended = false;

  /** Use {@linkcode beginUpload}. */
  constructor(fields: {
    stores: TransferStores;
    target: UploadTarget;
    name: string;
    file: PartialWriter;
    hash: Hash | null;
    reservation: Reservation;
    size: number | undefined;
    rate: RateLimit | null;
  }) {
    this.#rate = fields.rate;
    this.#stores = fields.stores;
    this.#target = fields.target;
    this.path = fields.target.path;
    this.#name = fields.name;
    this.#file = fields.file;
    this.#hash = fields.hash;
    this.#reservation = fields.reservation;
    this.#size = fields.size;
    this.offset = fields.reservation.base;
    this.#length = this.offset;
  }

  /** Bytes the partial file holds. */
  get length(): number {
    return this.#length;
  }

  /** True once committed or aborted. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Appends a chunk (within the declared size and the quota). */
  async write(chunk: Uint8Array): Promise<void> {
    await this.#rate?.take(chunk.length);
    this.#requireOpen();
    if (this.#digest !== null) throw new Error("Cannot write after digest()");
    const written = this.#length - this.offset + chunk.length;
    if (written > this.#reservation.reserved) {
      if (this.#size !== undefined) {
        throw new OperationError(
          "bad_request",
          `Cannot upload "${this.path}": more data than the declared ${this.#size} bytes`,
        );
      }
      const step = Math.max(RESERVATION_STEP_BYTES, written - this.#reservation.reserved);
      await this.#extend(step, written - this.#reservation.reserved);
    }
    this.#hash?.update(chunk);
    try {
      await writeAll(this.#file, chunk);
      this.#length += chunk.length;
    } catch (error) {
      // A failed write (disk full) may have stored part of the chunk: count what the file
      // really holds, so the quota settled on abort matches the disk.
      this.#length = await this.#file.length().catch(() => this.#length);
      throw fromFsError(error, "write", this.path);
    }
  }

  /**
   * Reads from `source` into the upload: `length` bytes, or until the source
   * ends. The next chunk is read from the network while the previous one is
   * written to disk.
   */
  async receive(source: ByteSource, options: ReceiveOptions = {}): Promise<number> {
    const { length, onProgress } = options;
    let front = takeBuffer();
    let back = takeBuffer();
    let received = 0;
    let writing: Promise<void> | null = null;
    try {
      while (length === undefined || received < length) {
        const wanted = length === undefined
          ? front.length
          : Math.min(front.length, length - received);
        const count = await source.read(front.subarray(0, wanted));
        if (count === null) {
          if (length === undefined) break;
          throw new Deno.errors.UnexpectedEof("Connection closed during the upload");
        }
        if (writing) await writing;
        writing = this.write(front.subarray(0, count));
        // Handled when awaited next turn; marked now so a failure while reading isn't "unhandled".
        writing.catch(() => {});
        [front, back] = [back, front];
        received += count;
        onProgress?.(received);
      }
    } finally {
      if (writing) await writing.catch(() => {});
      // Nothing reads into them or writes from them any more.
      releaseBuffer(front);
      releaseBuffer(back);
    }
    if (writing) await writing;
    return received;
  }

  /** sha256 of the whole partial file; no more writes after this. */
  digest(): string {
    if (this.#hash === null) {
      throw new Error(`Upload of "${this.path}" appends to a copy: its sha256 is not computed`);
    }
    this.#digest ??= this.#hash.digest("hex");
    return this.#digest;
  }

  /**
   * Gives the upload its final name, atomically replacing any file there.
   * With `sha256`, it must match the received content, else the partial is
   * discarded and `checksum_mismatch` thrown. A declared size must be complete.
   * With `mtime`, the file keeps that modification time (the client's own).
   */
  async commit(options: { sha256?: string; mtime?: number } = {}): Promise<CommitResult> {
    this.#requireOpen();
    if (this.#size !== undefined && this.#length !== this.#size) {
      throw new OperationError(
        "bad_request",
        `Cannot finish "${this.path}": ${this.#length} of ${this.#size} bytes received`,
      );
    }
    const sha256 = this.#hash === null && options.sha256 === undefined ? null : this.digest();
    if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) {
      await this.abort({ keep: false });
      throw new OperationError(
        "checksum_mismatch",
        `Upload of "${this.path}" failed verification (sha256 differs): send it again`,
      );
    }
    const { home, userId } = this.#target;
    // The database before the rename: out of reach, the upload stays open (its partial kept,
    // to commit again or be settled when it ends), rather than stored under its name while
    // the client is told to try again and its reservation is never settled.
    await this.#stores.partials.touch(userId, this.path);
    this.#file.close();
    this.#ended = true;
    let replaced: number;
    try {
      const commit = options.mtime === undefined ? {} : { mtime: options.mtime };
      replaced = (await home.commitPartial(this.#name, this.path, commit)).replaced;
    } catch (error) {
      await this.#stores.quota.settle(this.#reservation, this.#length - this.offset);
      throw error;
    }
    await this.#stores.quota.settle(this.#reservation, this.#length - this.offset - replaced);
    await this.#stores.partials.delete(userId, this.path);
    const info = await home.statOrNull(this.path);
    if (info?.isFile && sha256 !== null) {
      // A cache: the upload is stored whatever becomes of its digest.
      await this.#stores.hashes.set(fileVersion(info), sha256).catch(() => {});
    }
    return {
      path: this.path,
      identity: info ? fileIdentity(info) : { size: this.#length, mtime: 0, tag: "" },
      sha256,
    };
  }

  /**
   * Ends the upload without committing. By default the partial stays for a
   * resume, unless it began as a copy of the stored file (to append to it):
   * the file itself is still there to append to, so the copy would only hold
   * space. `keep` overrides. Safe to call on an ended upload.
   */
  async abort(options: { keep?: boolean } = {}): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    try {
      this.#file.close();
    } catch {
      // Already closed.
    }
    const keep = options.keep ?? this.#reservation.credit === 0;
    const { home, userId } = this.#target;
    if (keep) {
      await this.#stores.partials.touch(userId, this.path);
      await this.#stores.quota.settle(this.#reservation, this.#length - this.offset);
      return;
    }
    await home.removePartial(this.#name).catch(() => {});
    await this.#stores.partials.delete(userId, this.path);
    await this.#stores.quota.settle(this.#reservation, -this.offset);
  }

  async #extend(step: number, needed: number): Promise<void> {
    const what = describe(this.path, undefined);
    try {
      await this.#stores.quota.extend(this.#reservation, step, what);
    } catch (error) {
      if (step === needed) throw error;
      await this.#stores.quota.extend(this.#reservation, needed, what);
    }
  }

  /** False once committed or aborted. */
  get open(): boolean {
    return !this.#ended;
  }

  #requireOpen(): void {
    if (this.#ended) throw new Error(`Upload of "${this.path}" already ended`);
  }
}

/** The target must not be a directory, and its parent must be an existing directory. */
async function requireWritableTarget({ home, path }: UploadTarget): Promise<void> {
  if (path === "/") throw new OperationError("is_a_directory", `Cannot write "/": is a directory`);
  const info = await home.statOrNull(path);
  if (info?.isDirectory) {
    throw new OperationError("is_a_directory", `Cannot write "${path}": is a directory`);
  }
  const parent = path.slice(0, path.lastIndexOf("/")) || "/";
  const parentInfo = await home.statOrNull(parent);
  if (!parentInfo) {
    throw new OperationError("not_found", `Cannot write "${path}": no directory "${parent}"`);
  }
  if (!parentInfo.isDirectory) {
    throw new OperationError("not_a_directory", `Cannot write "${path}": "${parent}" is a file`);
  }
}

/**
 * Makes the partial hold at least `offset` bytes for a resume; returns its
 * length, and the bytes copied from the stored file to make it (0 if none).
 */
async function prepareResume(
  stores: TransferStores,
  target: UploadTarget,
  name: string,
  existing: number,
  offset: number,
  options: UploadOptions,
): Promise<{ length: number; copied: number }> {
  const record = await stores.partials.get(target.userId, target.path);
  const sameSource = !record || options.source === undefined ||
    (record.source === options.source && record.size === (options.size ?? null));
  if (existing >= offset && sameSource) return { length: existing, copied: 0 };
  if (existing === 0) {
    const stored = await target.home.statOrNull(target.path);
    if (stored?.isFile && stored.size >= offset) {
      await target.home.copyToPartial(target.path, name);
      await stores.quota.adjust(target.userId, stored.size);
      return { length: stored.size, copied: stored.size };
    }
  }
  throw new OperationError(
    "changed",
    `Cannot resume the upload of "${target.path}" at byte ${offset}: the server holds ${
      sameSource ? existing : 0
    } bytes of it`,
  );
}

/** Feeds the first `length` bytes of `file` to `hash`, then leaves the file positioned at `length`. */
async function hashPrefix(file: PartialWriter, length: number, hash: Hash): Promise<void> {
  await file.seek(0);
  const buffer = takeBuffer();
  try {
    let left = length;
    while (left > 0) {
      const count = await file.read(buffer.subarray(0, Math.min(buffer.length, left)));
      if (count === null) throw new Error("Partial file shorter than expected");
      hash.update(buffer.subarray(0, count));
      left -= count;
    }
  } finally {
    releaseBuffer(buffer);
  }
  await file.seek(length);
}

function describe(path: string, size: number | undefined): string {
  return size === undefined ? `"${path}"` : `"${path}" (${formatSize(size)})`;
}
