/**
 * Uploading one file: asks the server where to start (`put_offset`: a
 * partial of the same source resumes), streams the rest as the body of
 * `put` (each chunk read synchronously, see `readFullSync`, then written to
 * the socket), hashing as it goes (after re-reading the part the server
 * already has), then sends `put_commit` with the sha256 without waiting: the server
 * renames its partial into place only if the digests match.
 */

import { createHash } from "node:crypto";
import { basename } from "node:path";
import { writeAll } from "../../protocol/frame_writer.ts";
import { isOk } from "../../protocol/status.ts";
import { formatSize } from "../../protocol/size.ts";
import { ConnectionLostError, InterruptedError, RemoteError } from "../connection.ts";
import { CHUNK_BYTES, LocalFileError, localReason, readFullSync, readPrefix } from "./_io.ts";
import type { TransferEnv } from "./download.ts";

/** One upload. */
export interface UploadPlan {
  /** Local file. */
  local: string;
  /** Remote target path (relative to the remote directory, or absolute). */
  remote: string;
  /** Name shown in progress and summary (in a tree: its path there); default the base name. */
  label?: string;
}

/** How an upload ended. */
export interface UploadResult {
  path: string;
  size: number;
  resumedAt: number;
  /** Bytes this upload moved (`size - resumedAt`). */
  moved: number;
  sha256: string;
}

/** Uploads `plan.local` to `plan.remote`; see the module doc. */
export async function uploadFile(env: TransferEnv, plan: UploadPlan): Promise<UploadResult> {
  const { connection } = env;
  let file: Deno.FsFile;
  let info: Deno.FileInfo;
  try {
    file = await Deno.open(plan.local, { read: true });
    info = await file.stat();
  } catch (error) {
    throw new LocalFileError(`Cannot read "${plan.local}": ${localReason(error)}`);
  }
  try {
    if (info.isDirectory) {
      throw new LocalFileError(`Cannot upload "${plan.local}": is a directory (use put -r)`);
    }
    if (!info.isFile) throw new LocalFileError(`Cannot upload "${plan.local}": not a regular file`);
    const size = info.size;
    const source = `${size}:${info.mtime?.getTime() ?? 0}`;
    const probe = await connection.call("put_offset", { path: plan.remote, size, source });
    const offset = Number(probe.offset);
    const path = String(probe.path);
    const hash = createHash("sha256");
    if (offset > 0) {
      try {
        readPrefix(file, offset, (chunk) => hash.update(chunk));
      } catch (error) {
        throw new LocalFileError(`Cannot read "${plan.local}": ${localReason(error)}`);
      }
    }
    await file.seek(offset, Deno.SeekMode.Start);
    const label = plan.label ?? basename(plan.local);
    const progress = env.progress({ verb: "put", name: label, total: size, start: offset });
    let putId: number;
    let commitId: number;
    let sha256: string;
    let position = offset;
    try {
      putId = await connection.send("put", { path, size, offset, source, body: size - offset });
      await sendBody(connection, file, {
        length: size - offset,
        onChunk: (chunk) => hash.update(chunk),
        onProgress: (sent) => {
          position = offset + sent;
          progress.update(position);
        },
        local: plan.local,
      });
      sha256 = hash.digest("hex");
      // The file keeps its local modification time, so a later mirror sees it unchanged.
      const mtime = info.mtime?.getTime();
      commitId = await connection.send("put_commit", {
        path,
        sha256,
        ...(mtime !== undefined ? { mtime } : {}),
      });
    } catch (error) {
      progress.abandon();
      if (error instanceof LocalFileError) throw error;
      if (connection.interrupted) throw interrupted(label, position, size);
      connection.close();
      throw new ConnectionLostError(
        `Connection lost during the upload of "${plan.local}": put it again to resume`,
      );
    }
    let received;
    let committed;
    try {
      received = await connection.readResponse(putId);
      committed = await connection.readResponse(commitId);
    } catch (error) {
      progress.abandon();
      // Sent into the socket's buffers, not yet confirmed by the server.
      if (error instanceof InterruptedError) throw interrupted(label, position, size);
      throw error;
    }
    if (!isOk(received.status)) {
      progress.abandon();
      throw new RemoteError(received.status, received.message);
    }
    if (!isOk(committed.status)) {
      progress.abandon();
      throw new RemoteError(committed.status, committed.message);
    }
    progress.finish();
    return { path, size, resumedAt: offset, moved: size - offset, sha256 };
  } finally {
    file.close();
  }
}

/** What Ctrl-C during an upload stopped, and how to go on. */
function interrupted(label: string, sent: number, size: number): InterruptedError {
  const where = sent < size
    ? `after sending ${formatSize(sent)} of ${formatSize(size)}`
    : "before the server confirmed it";
  return new InterruptedError(
    `Interrupted: put ${label} stopped ${where}; the server keeps what it got: ` +
      "put it again to resume",
  );
}

/**
 * Sends `length` bytes of `file` as the request body. A local read error
 * can't be reported in band once the body started: the connection is closed
 * (the server keeps what it got, for a resume).
 */
async function sendBody(
  connection: { sink: { write(data: Uint8Array): Promise<number> }; close(): void },
  file: Deno.FsFile,
  options: {
    length: number;
    local: string;
    onChunk(chunk: Uint8Array): void;
    onProgress(sent: number): void;
  },
): Promise<void> {
  // Each chunk is in the socket before the next is read into the same buffer.
  const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(1, options.length)));
  let sent = 0;
  while (sent < options.length) {
    let count: number;
    try {
      count = readFullSync(
        file,
        buffer.subarray(0, Math.min(buffer.length, options.length - sent)),
      );
    } catch (error) {
      connection.close();
      throw new LocalFileError(`Cannot read "${options.local}": ${localReason(error)}`);
    }
    if (count === 0) {
      connection.close();
      throw new LocalFileError(`Cannot upload "${options.local}": it shrank while being sent`);
    }
    const chunk = buffer.subarray(0, count);
    options.onChunk(chunk);
    await writeAll(connection.sink, chunk);
    sent += count;
    options.onProgress(sent);
  }
}
