/**
 * Transfer buffers, reused. Every download and upload needs two chunk-sized
 * buffers while it runs. Allocated per transfer, they came and went by the
 * megabyte, and freed memory stays with glibc's per-thread arenas (after the
 * first large block is freed, malloc raises its mmap threshold and serves
 * the next ones from the arenas, which keep them): each burst of concurrent
 * transfers left the server bigger. A thread's transfers now take their
 * buffers from a small pool and give them back when done.
 */

/** Size of each read from disk and write to the sink. */
export const TRANSFER_CHUNK_BYTES = 256 * 1024;

/** Most idle buffers a thread keeps: enough for 8 transfers at once (4 MiB). */
const MAX_IDLE_BUFFERS = 16;

const idle: Uint8Array[] = [];

/**
 * A buffer of `bytes` (at most {@linkcode TRANSFER_CHUNK_BYTES}); one of the
 * full size comes from the pool when it has one. Give it back with
 * {@linkcode releaseBuffer} once nothing reads or writes it any more.
 */
export function takeBuffer(bytes: number = TRANSFER_CHUNK_BYTES): Uint8Array {
  if (bytes < TRANSFER_CHUNK_BYTES) return new Uint8Array(Math.max(1, bytes));
  return idle.pop() ?? new Uint8Array(TRANSFER_CHUNK_BYTES);
}

/** Returns a buffer from {@linkcode takeBuffer} to the pool (small ones are left to the GC). */
export function releaseBuffer(buffer: Uint8Array): void {
  if (buffer.length === TRANSFER_CHUNK_BYTES && idle.length < MAX_IDLE_BUFFERS) idle.push(buffer);
}
