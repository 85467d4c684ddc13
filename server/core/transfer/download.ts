/**
 * Downloads, independent of any protocol's framing: open a file in the
 * user's home, check it is the version the client expects, then send bytes
 * `[offset, offset + length)` to any byte sink, in 256 KiB chunks, reading
 * the next chunk while the current one is written to the sink (two
 * buffers). The local storage reads synchronously while the page cache
 * answers (`storage/local/local_file.ts`), so a warm file costs no thread-pool
 * round trip, and asynchronously once the disk shows itself slow. A whole-file send also hashes what it
 * sends and caches the digest, so later transfers are verified free.
 */

import { createHash, type Hash } from "node:crypto";
import { setImmediate } from "node:timers";
import { type ByteSink, writeAll } from "../../../protocol/frame_writer.ts";
import type { FileIdentity } from "../../../protocol/messages.ts";
import { OperationError } from "../errors.ts";
import type { FileReader, HomeStorage, StoredFile } from "../../storage/mod.ts";
import { releaseBuffer, takeBuffer, TRANSFER_CHUNK_BYTES } from "./buffers.ts";
import type { RateLimit } from "./rate_limit.ts";
import type { HashCache } from "../../store/mod.ts";
import { fileIdentity, fileVersion } from "./identity.ts";

export { TRANSFER_CHUNK_BYTES } from "./buffers.ts";

/** Which bytes to send, and of which version. */
export interface DownloadOptions {
  /** First byte; default 0. Must not be past the end. */
  offset?: number;
  /** Bytes to send; default (and at most): to the end. */
  length?: number;
  /** Only if the file still has this tag (a resume); else `changed` (412). */
  tag?: string;
  /** Bounds the rate of the send (the account's bandwidth limit). */
  rate?: RateLimit | null;
}

/** Options for {@linkcode Download.sendTo}. */
export interface SendOptions {
  /** Called after each chunk with the bytes sent so far. */
  onProgress?: (sent: number) => void;
}

/** An open file ready to send one byte range. Close it when done. */
export class Download {
  /** Normalized virtual path. */
  readonly path: string;
  /** The version being sent. */
  readonly identity: FileIdentity;
  readonly offset: number;
  readonly length: number;
  /** sha256 of the whole file if known before sending (cached). */
  readonly sha256: string | null;
  readonly #file: FileReader;
  readonly #info: StoredFile;
  readonly #hashes: HashCache;
  readonly #rate: RateLimit | null;
  #computed: string | null = null;
  #closed = false;

  /** Use {@linkcode openDownload}. */
  constructor(fields: {
    path: string;
    file: FileReader;
    info: StoredFile;
    offset: number;
    length: number;
    hashes: HashCache;
    /** The cached digest of this version, looked up by {@linkcode openDownload}. */
    sha256: string | null;
    rate: RateLimit | null;
  }) {
    this.#rate = fields.rate;
    this.path = fields.path;
    this.#file = fields.file;
    this.#info = fields.info;
    this.#hashes = fields.hashes;
    this.identity = fileIdentity(fields.info);
    this.offset = fields.offset;
    this.length = fields.length;
    this.sha256 = fields.sha256;
  }

  /**
   * Writes the range to `sink`. Throws if the file shrinks meanwhile or the
   * sink fails; either way the sink has then received fewer bytes than
   * promised and its connection must be closed.
   */
  async sendTo(sink: ByteSink, options: SendOptions = {}): Promise<number> {
    const whole = this.offset === 0 && this.length === this.identity.size;
    const hash = whole && this.sha256 === null ? createHash("sha256") : null;
    // Only moves the file's position: never waits on the disk.
    this.#file.seek(this.offset);
    let front = takeBuffer(Math.min(TRANSFER_CHUNK_BYTES, this.length));
    let back = takeBuffer(front.length);
    let sent = 0;
    try {
      let reading = this.length > 0 ? this.#readChunk(front, this.length) : null;
      while (reading) {
        const count = await reading;
        const chunk = front.subarray(0, count);
        [front, back] = [back, front];
        const left = this.length - sent - count;
        reading = left > 0 ? this.#readChunk(front, left) : null;
        // Awaited next turn; marked handled now so a failed read during the write isn't fatal.
        reading?.catch(() => {});
        hash?.update(chunk);
        try {
          await this.#rate?.take(count);
          await writeAll(sink, chunk);
        } catch (error) {
          await reading?.catch(() => {});
          throw error;
        }
        sent += count;
        options.onProgress?.(sent);
      }
    } finally {
      // Nothing reads into them or writes from them any more.
      releaseBuffer(front);
      releaseBuffer(back);
    }
    if (hash) await this.#cacheDigest(hash);
    return sent;
  }

  /**
   * Reads up to `buffer.length` bytes from byte `position`, in any order and
   * as often as asked (SFTP READ requests); returns fewer only at the end of
   * the file, 0 at or past it. Calls must not overlap (they share the
   * file's position), and {@linkcode Download.sendTo} must not be used too.
   */
  async readAt(buffer: Uint8Array, position: number): Promise<number> {
    this.#file.seek(position);
    let filled = 0;
    while (filled < buffer.length) {
      const count = await this.#file.read(buffer.subarray(filled));
      if (count === null || count === 0) break;
      filled += count;
    }
    // Random-access reads (SFTP) keep to the account's bandwidth like a streamed send.
    await this.#rate?.take(filled);
    return filled;
  }

  /**
   * sha256 of the whole file: the cached one, or the one computed by a
   * whole-file {@linkcode Download.sendTo} if the file did not change meanwhile.
   */
  get digest(): string | null {
    return this.sha256 ?? this.#computed;
  }

  /** Closes the file; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }

  /** Fills `buffer` (up to `left` bytes) from the file; a file that ends early is an error. */
  async #readChunk(buffer: Uint8Array, left: number): Promise<number> {
    const wanted = Math.min(buffer.length, left);
    let filled = 0;
    while (filled < wanted) {
      const target = buffer.subarray(filled, wanted);
      const count = await this.#file.read(target);
      if (count === null) {
        throw new OperationError(
          "changed",
          `Cannot send "${this.path}": it shrank while being sent`,
        );
      }
      filled += count;
    }
    return filled;
  }

  /** Stores the digest if the file was not modified while it was read. */
  async #cacheDigest(hash: Hash): Promise<void> {
    const now = await this.#file.stat();
    if (fileIdentity(now).tag === this.identity.tag) {
      this.#computed = hash.digest("hex");
      // A cache: a store out of reach must not fail a download that has been sent whole.
      await this.#hashes.set(fileVersion(this.#info), this.#computed).catch(() => {});
    }
  }
}

/** Opens `virtualPath` (normalized) for sending a range; see {@linkcode DownloadOptions}. */
export async function openDownload(
  home: HomeStorage,
  hashes: HashCache,
  virtualPath: string,
  options: DownloadOptions = {},
): Promise<Download> {
  const { file, info } = await home.openFile(virtualPath);
  try {
    const identity = fileIdentity(info);
    if (options.tag !== undefined && options.tag !== identity.tag) {
      throw new OperationError(
        "changed",
        `Cannot resume "${virtualPath}": it changed on the server since the transfer began`,
      );
    }
    const offset = options.offset ?? 0;
    if (offset > info.size) {
      throw new OperationError(
        "bad_request",
        `Cannot read "${virtualPath}" from byte ${offset}: it has only ${info.size} bytes`,
      );
    }
    const length = Math.min(options.length ?? info.size - offset, info.size - offset);
    const sha256 = await hashes.get(fileVersion(info));
    return new Download({
      path: virtualPath,
      file,
      info,
      offset,
      length,
      hashes,
      sha256,
      rate: options.rate ?? null,
    });
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * The sha256 of a whole file: from the cache, else computed by reading it
 * (chunk by chunk, asynchronously) and cached.
 */
export async function fileDigest(
  home: HomeStorage,
  hashes: HashCache,
  virtualPath: string,
): Promise<{ sha256: string; identity: FileIdentity }> {
  const download = await openDownload(home, hashes, virtualPath);
  try {
    if (download.sha256 === null) {
      // A sink that takes a turn of the event loop per chunk, as a socket does: chunks may be
      // read synchronously, and other sessions must run while a large file is hashed.
      await download.sendTo({
        write: (data) => new Promise((resolve) => setImmediate(() => resolve(data.length))),
      });
    }
    const sha256 = download.digest;
    if (sha256 === null) {
      throw new OperationError(
        "changed",
        `Cannot checksum "${virtualPath}": it changed while being read`,
      );
    }
    return { sha256, identity: download.identity };
  } finally {
    download.close();
  }
}
