/** Small I/O helpers shared by client transfers. */

/** Size of each network read and disk write; matches the server's chunk. */
export const CHUNK_BYTES = 256 * 1024;

/** Writes all of `data` to a file, looping over short writes. */
export async function writeAllTo(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += await file.write(data.subarray(offset));
}

/**
 * Reads exactly `buffer.length` bytes unless the file ends first; returns how
 * many were read. Synchronously: the client serves one transfer at a time,
 * so a read of its own local file stalls nothing else, and costs less CPU
 * than a round trip through Deno's blocking thread pool (which a server,
 * serving many sessions, must pay instead).
 */
export function readFullSync(file: Deno.FsFile, buffer: Uint8Array): number {
  let filled = 0;
  while (filled < buffer.length) {
    const count = file.readSync(buffer.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  return filled;
}

/** Feeds the first `length` bytes of `file` to `update` (for hashing what a resume keeps). */
export function readPrefix(
  file: Deno.FsFile,
  length: number,
  update: (chunk: Uint8Array) => void,
): void {
  file.seekSync(0, Deno.SeekMode.Start);
  const buffer = new Uint8Array(CHUNK_BYTES);
  let left = length;
  while (left > 0) {
    const count = readFullSync(file, buffer.subarray(0, Math.min(buffer.length, left)));
    if (count === 0) throw new Error("File shorter than expected");
    update(buffer.subarray(0, count));
    left -= count;
  }
}

/** A short reason for a local file error, for messages. */
export function localReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "not found";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) return "not permitted";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  if (error instanceof Deno.errors.NotADirectory) return "not a directory";
  if (error instanceof Deno.errors.FilesystemLoop) return "too many levels of symbolic links";
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOSPC" || code === "EDQUOT" || /No space left/i.test(String(error))) {
    return "no space left on this disk";
  }
  return error instanceof Error ? error.message : String(error);
}

/** A local file system failure during a transfer (the connection is still fine). */
export class LocalFileError extends Error {
  /** Creates the error with a complete one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "LocalFileError";
  }
}
