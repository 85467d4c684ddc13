/**
 * A file open for writing over SFTP, on ftpx's upload model: bytes go to a
 * hidden partial file and replace the file only at CLOSE, atomically, so an
 * interrupted upload never leaves half a file under the final name. That
 * model writes from start to end, which is what SFTP clients send
 * (OpenSSH's put pipelines in-order WRITEs): a WRITE that arrives ahead of
 * its turn is held until the gap before it is filled (within
 * {@linkcode SFTP_MAX_REORDER_BYTES}); a WRITE over bytes already written
 * (random access) is refused with OP_UNSUPPORTED.
 *
 * Where writing starts depends on how the file was opened:
 * - TRUNC, or a file that does not exist yet: a new file, from byte 0;
 * - APPEND: after the file's current end, whatever offsets WRITEs carry;
 * - neither (OpenSSH's `reput` and `put -a`): the first WRITE decides; at
 *   the file's size it appends (the file is copied to the partial, as FTP's
 *   APPE does), at 0 it replaces the file. CLOSE without any WRITE changes
 *   nothing.
 */

import { OperationError } from "../../core/errors.ts";
import type { FileService } from "../../core/files.ts";
import { SFTP_MAX_REORDER_BYTES } from "../../core/limits.ts";
import type { UserSession } from "../../core/session.ts";
import type { TransferRecord, Upload } from "../../core/transfer/mod.ts";

/** How an upload starts (see the module documentation). */
export type UploadStart =
  | { mode: "new" }
  | { mode: "append"; size: number }
  | { mode: "decide"; size: number };

/** An OP_UNSUPPORTED refusal: a write the upload model can't take. */
export class UnsupportedWriteError extends OperationError {
  /** Creates the refusal. */
  constructor(message: string) {
    super("unknown_operation", message);
    this.name = "UnsupportedWriteError";
  }
}

/** What an upload handle needs from its session. */
export interface UploadContext {
  files: FileService;
  session: UserSession;
  /** Starts the transfer's record (`who`, the transfer log line) once bytes begin. */
  record(offset: number): TransferRecord;
}

/** One file open for writing. */
export class UploadHandle {
  readonly path: string;
  readonly #context: UploadContext;
  readonly #start: UploadStart;
  #upload: Upload | null = null;
  #record: TransferRecord | null = null;
  /** The offset the next in-order WRITE carries. */
  #next = 0;
  /** WRITEs that arrived ahead of their turn, by offset. */
  readonly #early = new Map<number, Uint8Array>();
  #earlyBytes = 0;
  /** Set by a failed write: the upload can't be completed any more. */
  #failure: OperationError | null = null;
  /** A modification time to apply once committed (FSETSTAT before CLOSE, as `put -p` sends). */
  #mtime: number | null = null;
  #written = 0;

  /** A handle for `path`; call {@linkcode UploadHandle.prepare} before the first write. */
  constructor(context: UploadContext, path: string, start: UploadStart) {
    this.#context = context;
    this.path = path;
    this.#start = start;
  }

  /** Begins the upload now when its start is known (so OPEN reports a missing directory, the quota). */
  async prepare(): Promise<void> {
    if (this.#start.mode === "new") await this.#begin(0);
    if (this.#start.mode === "append") await this.#begin(this.#start.size);
  }

  /** Bytes the file will have, as far as received (FSTAT on the handle). */
  get size(): number {
    if (this.#upload) return this.#upload.length;
    return this.#start.mode === "new" ? 0 : this.#start.size;
  }

  /** Applies `mtime` (milliseconds) after the commit. */
  setModifiedAfterCommit(mtime: number): void {
    this.#mtime = mtime;
  }

  /** One WRITE. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#upload === null) {
      if (this.#start.mode !== "decide") throw new Error("Upload not prepared");
      if (offset === this.#start.size && offset > 0) await this.#begin(offset);
      else if (offset === 0) await this.#begin(0);
      else throw this.#unsupported(offset);
    }
    if (this.#start.mode === "append") {
      await this.#append(data);
      return;
    }
    if (offset === this.#next) {
      await this.#append(data);
      await this.#drainEarly();
      return;
    }
    if (offset < this.#next) throw this.#unsupported(offset);
    if (this.#earlyBytes + data.length > SFTP_MAX_REORDER_BYTES || this.#early.has(offset)) {
      throw this.#unsupported(offset);
    }
    // The data is a view into the packet; keep a copy, the packet buffer is reused.
    this.#early.set(offset, data.slice());
    this.#earlyBytes += data.length;
  }

  /** CLOSE: commits the upload atomically (or refuses, and discards it, when it can't be whole). */
  async commit(): Promise<void> {
    if (this.#failure) {
      await this.abort("failed");
      throw this.#failure;
    }
    if (this.#early.size > 0) {
      const gap = this.#next;
      await this.abort("failed");
      throw new OperationError(
        "bad_request",
        `Cannot finish "${this.path}": bytes from ${gap} never arrived; nothing was changed`,
      );
    }
    if (this.#upload === null) return; // Opened without TRUNC and never written: nothing changes.
    try {
      await this.#upload.commit();
    } catch (error) {
      await this.abort("failed");
      throw error;
    }
    this.#record?.end("complete");
    if (this.#mtime !== null) {
      await this.#context.files.setModified(this.#context.session, this.path, this.#mtime);
    }
  }

  /**
   * Ends without committing: the file keeps its old content. The partial is
   * discarded (no SFTP client can resume it: resuming starts from the final
   * file's size), so its space is freed at once.
   */
  async abort(result: "aborted" | "failed" = "aborted"): Promise<void> {
    const upload = this.#upload;
    this.#upload = null;
    this.#early.clear();
    this.#record?.end(result);
    this.#record = null;
    await upload?.abort({ keep: false });
  }

  async #begin(offset: number): Promise<void> {
    const { files, session } = this.#context;
    this.#upload = await files.upload(session, this.path, { offset });
    this.#next = offset;
    this.#record = this.#context.record(offset);
  }

  async #append(data: Uint8Array): Promise<void> {
    try {
      await this.#upload!.write(data);
    } catch (error) {
      this.#failure = error instanceof OperationError
        ? error
        : new OperationError("internal", `Cannot write "${this.path}": internal error`);
      throw error;
    }
    this.#next += data.length;
    this.#written += data.length;
    this.#record?.progress(this.#written);
  }

  async #drainEarly(): Promise<void> {
    let chunk = this.#early.get(this.#next);
    while (chunk !== undefined) {
      this.#early.delete(this.#next);
      this.#earlyBytes -= chunk.length;
      await this.#append(chunk);
      chunk = this.#early.get(this.#next);
    }
  }

  #unsupported(offset: number): UnsupportedWriteError {
    return new UnsupportedWriteError(
      `Cannot write "${this.path}" at byte ${offset}: ftpx writes a file from start to end ` +
        `(next byte expected: ${
          this.#upload ? this.#next : this.size
        }); random writes are not supported`,
    );
  }
}
