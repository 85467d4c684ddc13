/**
 * Transfers, for every protocol front (native `get`/`put`, FTP `RETR`/`STOR`/
 * `APPE`/`REST`): nothing here knows about frames or FTP replies.
 *
 * Downloads: {@linkcode openDownload}`(vfs, stores.hashes, path, {offset,
 * length, tag})` checks the file and its version, then
 * `download.sendTo(sink, {onProgress})` streams exactly that range to any
 * `{ write(bytes): Promise<number> }` (a `Deno.Conn`), then `close()`.
 *
 * Uploads: {@linkcode beginUpload}`(stores, {vfs, userId, path}, {offset,
 * size, source})` reserves quota and opens a hidden partial file;
 * `upload.receive(source, {length})` (or `write(chunk)`) streams into it,
 * enforcing the quota; `upload.commit({sha256})` verifies and renames it
 * into place atomically; `upload.abort({keep})` ends it, keeping the
 * partial for a resume by default. Always end an upload: a session that
 * closes must `abort()` any upload it began.
 *
 * {@linkcode fileDigest} gives a file's sha256 (cached by identity), and
 * {@linkcode fileIdentity} its `{size, mtime, tag}`.
 *
 * @module
 */

export {
  Download,
  type DownloadOptions,
  fileDigest,
  openDownload,
  TRANSFER_CHUNK_BYTES,
} from "./download.ts";
export type { SendOptions } from "./download.ts";
export { TransferActivity } from "./activity.ts";
export { TransferRecord, type TransferResult, type TransferSubject } from "./record.ts";
export { fileIdentity } from "./identity.ts";
export { recoverReservations, removeStalePartials, settleLeftReservations } from "./maintenance.ts";
export { type TransferStores, transferStores } from "./stores.ts";
export {
  beginUpload,
  type CommitResult,
  type ReceiveOptions,
  Upload,
  uploadOffset,
  type UploadOptions,
  type UploadTarget,
} from "./upload.ts";
