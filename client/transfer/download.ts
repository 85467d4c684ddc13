/**
 * Downloading one file: resumable, verified, never visible under its final
 * name until complete. Bytes go to `<target>.ftpx-part`; a record in the
 * resume store (written before the first byte) remembers the remote file's
 * identity, so any later `get` of the same target resumes from the partial's
 * length once the server confirms the file is unchanged (its tag), and
 * starts over, saying so, when it changed. The sha256 is computed while
 * receiving (after re-reading the kept part of a resume) and compared with
 * the server's before the partial is renamed to the target.
 */

import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import { isOk, Status } from "../../protocol/status.ts";
import {
  Connection,
  ConnectionLostError,
  InterruptedError,
  RemoteError,
  type ResponseHeader,
} from "../connection.ts";
import { formatSize } from "../../protocol/size.ts";
import type { Progress, ProgressOptions } from "../progress.ts";
import type { ResumeRecord, ResumeStore } from "../resume_store.ts";
import { CHUNK_BYTES, LocalFileError, localReason, readPrefix, writeAllTo } from "./_io.ts";

/** Suffix of a partial download beside its target. */
export const PART_SUFFIX = ".ftpx-part";

/** Downloads smaller than this get no resume record (restarting them costs nothing). */
export const RESUME_RECORD_MIN_BYTES = 1024 * 1024;

/** What a download needs around it. */
export interface TransferEnv {
  connection: Connection;
  user: string;
  store: ResumeStore;
  /** Starts a progress display for one file. */
  progress(options: ProgressOptions): Progress;
  /** Prints a notice line on standard error. */
  notice(line: string): void;
}

/** One download. */
export interface DownloadPlan {
  /** Remote path as the user typed it (relative to the remote directory, or absolute). */
  remote: string;
  /** Absolute local target. */
  local: string;
  /** `require` (reget): fail unless the download can continue from a partial. */
  resume: "auto" | "require";
  /** Name shown in progress and summary (in a tree: its path there); default the base name. */
  label?: string;
}

/** How a download ended. */
export interface DownloadResult {
  size: number;
  /** Bytes that were already on disk and kept. */
  resumedAt: number;
  /** Bytes this download moved (`size - resumedAt`). */
  moved: number;
  sha256: string;
}

/** Downloads `plan.remote` to `plan.local`; see the module doc. */
export async function downloadFile(env: TransferEnv, plan: DownloadPlan): Promise<DownloadResult> {
  const { connection, store, user } = env;
  const server = connection.address;
  const part = plan.local + PART_SUFFIX;
  const record = await store.find(server, user, plan.local);
  const partLength = await fileLength(part);
  let offset = 0;
  let tag: string | undefined;
  if (record && partLength > 0) {
    offset = Math.min(partLength, record.size);
    tag = record.tag;
  } else if (plan.resume === "require") {
    throw new Error(`Nothing to resume for "${plan.local}": no partial download (use get)`);
  } else if (partLength > 0) {
    env.notice(`${basename(part)} has no resume record: starting over`);
  }

  // Open the partial before asking for data: a local problem must not cost a whole body.
  let file: Deno.FsFile;
  try {
    file = await Deno.open(part, { read: true, write: true, create: true, mode: 0o644 });
  } catch (error) {
    throw new LocalFileError(await openFailure(plan.local, part, error));
  }
  try {
    return await fetchInto(env, plan, { file, part, record, offset, tag });
  } catch (error) {
    // An empty partial holds nothing to resume: don't leave it behind.
    if (await fileLength(part) === 0) await Deno.remove(part).catch(() => {});
    throw error;
  } finally {
    file.close();
  }
}

/** Requests the range and receives it into the open partial; see {@linkcode downloadFile}. */
async function fetchInto(
  env: TransferEnv,
  plan: DownloadPlan,
  state: {
    file: Deno.FsFile;
    part: string;
    record: ResumeRecord | undefined;
    offset: number;
    tag: string | undefined;
  },
): Promise<DownloadResult> {
  const { connection, store, user } = env;
  const server = connection.address;
  const { file, part, record } = state;
  let { offset } = state;
  let response = await requestRange(connection, plan.remote, offset, state.tag);
  if (response.status === Status.CHANGED) {
    if (plan.resume === "require") {
      throw new Error(
        `Cannot resume "${plan.remote}": ${response.message} (use get to start over)`,
      );
    }
    env.notice(`${plan.remote} changed on the server since the partial download: starting over`);
    offset = 0;
    response = await requestRange(connection, plan.remote, 0, undefined);
  }
  if (!isOk(response.status)) throw new RemoteError(response.status, response.message);
  const remote = {
    path: String(response.path),
    size: Number(response.size),
    mtime: Number(response.mtime),
    tag: String(response.tag),
    body: Number(response.body),
  };
  if (remote.body !== remote.size - offset) {
    throw new ConnectionLostError("Malformed get reply from the server");
  }

  let recorded = false;
  if (remote.size >= RESUME_RECORD_MIN_BYTES) {
    try {
      recorded = await store.save({
        server,
        user,
        remote: remote.path,
        local: plan.local,
        size: remote.size,
        mtime: remote.mtime,
        tag: remote.tag,
        started: record?.started ?? Date.now(),
      });
    } catch (error) {
      // The body is already on its way: download it anyway, only without a resume record.
      env.notice(`Cannot record the download in "${store.path}": ${localReason(error)}`);
    }
  }

  const hash = createHash("sha256");
  let position = offset;
  try {
    // Only cut when needed: on ext4, truncating makes close() flush the whole file.
    if ((await file.stat()).size !== offset) await file.truncate(offset);
    if (offset > 0) readPrefix(file, offset, (chunk) => hash.update(chunk));
    await file.seek(offset, Deno.SeekMode.Start);
  } catch (error) {
    await connection.reader.skipBody();
    throw new LocalFileError(`Cannot write "${part}": ${localReason(error)}`);
  }
  // Timed from here: the rate is that of the bytes moved, not of re-reading the kept part.
  const label = plan.label ?? basename(plan.local);
  const progress = env.progress({ verb: "get", name: label, total: remote.size, start: offset });
  try {
    await receiveBody(connection, file, part, {
      length: remote.body,
      onChunk: (chunk) => hash.update(chunk),
      onProgress: (received) => {
        position = offset + received;
        progress.update(position);
      },
    });
  } catch (error) {
    progress.abandon();
    if (error instanceof InterruptedError) {
      throw new InterruptedError(
        `Interrupted: get ${label} stopped at ${formatSize(position)} of ` +
          `${formatSize(remote.size)}, kept in "${part}": run get again to resume`,
      );
    }
    throw error;
  }

  const sha256 = hash.digest("hex");
  const expected = typeof response.sha256 === "string"
    ? response.sha256
    : await serverDigest(connection, remote.path, remote.tag);
  if (sha256 !== expected) {
    await Deno.remove(part).catch(() => {});
    if (recorded) await store.remove(server, user, plan.local);
    progress.abandon();
    throw new Error(
      `Download of "${remote.path}" failed verification (sha256 differs): partial removed, run get again`,
    );
  }
  try {
    await Deno.rename(part, plan.local);
    await Deno.utime(plan.local, new Date(), new Date(remote.mtime)).catch(() => {});
  } catch (error) {
    throw new LocalFileError(`Cannot rename "${part}" to "${plan.local}": ${localReason(error)}`);
  }
  if (recorded || record) {
    await store.remove(server, user, plan.local).catch((error) => {
      env.notice(`Cannot update "${store.path}": ${localReason(error)}`);
    });
  }
  progress.finish();
  return { size: remote.size, resumedAt: offset, moved: remote.size - offset, sha256 };
}

async function requestRange(
  connection: Connection,
  path: string,
  offset: number,
  tag: string | undefined,
): Promise<ResponseHeader> {
  return await connection.request("get", {
    path,
    ...(offset > 0 ? { offset } : {}),
    ...(tag !== undefined ? { tag } : {}),
  });
}

/** The server's sha256 of the file, checking it is still the version just received. */
async function serverDigest(connection: Connection, path: string, tag: string): Promise<string> {
  const response = await connection.call("checksum", { path });
  if (response.tag !== tag) {
    throw new Error(`"${path}" changed on the server during the download: run get again`);
  }
  return String(response.sha256);
}

/**
 * Copies the reply body to `file`: the next chunk is read from the network
 * while the previous one is written. A local write error drains the rest of
 * the body so the connection stays usable; a network error keeps the
 * partial for a resume.
 */
async function receiveBody(
  connection: Connection,
  file: Deno.FsFile,
  part: string,
  options: {
    length: number;
    onChunk(chunk: Uint8Array): void;
    onProgress(received: number): void;
  },
): Promise<void> {
  const { reader } = connection;
  let front = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(1, options.length)));
  let back = new Uint8Array(front.length);
  let received = 0;
  let writing: Promise<void> | null = null;
  let writeError: unknown = null;
  try {
    while (received < options.length) {
      let count: number;
      try {
        count = await reader.readBody(
          front.subarray(0, Math.min(front.length, options.length - received)),
        );
      } catch (error) {
        if (error instanceof InterruptedError || connection.interrupted) {
          throw new InterruptedError();
        }
        connection.close();
        throw new ConnectionLostError(
          `Connection lost during the download: what arrived is kept in "${part}", run get again to resume`,
        );
      }
      const chunk = front.subarray(0, count);
      options.onChunk(chunk);
      if (writing) await writing;
      if (writeError) break;
      writing = writeAllTo(file, chunk).catch((error) => {
        writeError = error;
      });
      [front, back] = [back, front];
      received += count;
      options.onProgress(received);
    }
  } finally {
    if (writing) await writing;
  }
  if (writeError) {
    await reader.skipBody();
    throw new LocalFileError(`Cannot write "${part}": ${localReason(writeError)}`);
  }
}

/** Why the partial can't be created: a missing directory is named as such, not as a missing file. */
async function openFailure(target: string, part: string, error: unknown): Promise<string> {
  const dir = dirname(target);
  if (
    error instanceof Deno.errors.NotFound && !await Deno.stat(dir).then(() => true, () => false)
  ) {
    return `Cannot write "${target}": no local directory "${dir}"`;
  }
  return `Cannot write "${part}": ${localReason(error)}`;
}

async function fileLength(path: string): Promise<number> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? info.size : 0;
  } catch {
    return 0;
  }
}
