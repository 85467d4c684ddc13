/**
 * Closing a connection so that the last message arrives. Closing a socket
 * that still has unread input makes the kernel send a reset, which can
 * destroy a reply the client has not read yet (a 413, a "server busy"). So:
 * half-close (the client sees the end of our stream after the message), then
 * read and discard what the client still sends until it closes, bounded in
 * bytes and time, then close. Protocol-neutral: the FTP front's 421 needs it too.
 */

import { MAX_LINGER_BYTES } from "../limits.ts";

/** What {@linkcode closeGracefully} needs of a connection. */
export interface LingeringConn {
  read(buffer: Uint8Array): Promise<number | null>;
  closeWrite(): Promise<void>;
  close(): void;
}

/** Options for {@linkcode closeGracefully}. */
export interface LingerOptions {
  /** Give up and close after this long. */
  timeoutMs: number;
  /** Give up and close after discarding this many bytes. */
  maxBytes?: number;
}

/** Half-closes `conn`, drains it until the peer closes (within limits), then closes it. */
export async function closeGracefully(conn: LingeringConn, options: LingerOptions): Promise<void> {
  const close = () => {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };
  const timer = setTimeout(close, options.timeoutMs);
  try {
    await conn.closeWrite();
    const scratch = new Uint8Array(16 * 1024);
    const maxBytes = options.maxBytes ?? MAX_LINGER_BYTES;
    for (let drained = 0; drained < maxBytes;) {
      const n = await conn.read(scratch);
      if (n === null) break;
      drained += n;
    }
  } catch {
    // The peer is gone, or the timer closed the connection: either way, done.
  } finally {
    clearTimeout(timer);
    close();
  }
}
