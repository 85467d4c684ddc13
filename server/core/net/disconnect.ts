/** A peer that went away, as every front's connection sees it, and closing what may be closed. */

/** Error codes of `node:net` sockets (the FTP front) that mean the peer went away. */
const DISCONNECT_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ECANCELED",
  "ERR_STREAM_DESTROYED",
]);

/** True when `error` only says the peer vanished (a reset, a closed pipe, a cut-off stream). */
export function isDisconnect(error: unknown): boolean {
  if (
    error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted ||
    error instanceof Deno.errors.UnexpectedEof || error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted
  ) {
    return true;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && DISCONNECT_CODES.has(code);
}

/** Closes a connection that may already be closed. */
export function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
