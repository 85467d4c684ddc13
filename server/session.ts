/**
 * One client connection of the native protocol: a small state machine
 * (connected, authenticated, closed) that reads a request frame, dispatches
 * it, and answers, until the client quits, idles out or breaks the format.
 * Errors are caught here, once, and turned into replies.
 */

import { FrameError, type FrameHeader } from "../protocol/frame.ts";
import { FrameReader } from "../protocol/frame_reader.ts";
import { writeFrame } from "../protocol/frame_writer.ts";
import type { Account } from "./accounts.ts";
import { OperationError, toErrorReply } from "./errors.ts";
import { dispatch, lookupOperation } from "./ops/mod.ts";
import type { OpContext, Reply, Services, SessionState } from "./ops/operation.ts";
import type { Upload } from "./transfer/mod.ts";
import type { Vfs } from "./vfs.ts";

/** Unread bodies up to this size are skipped to keep the stream in sync; larger ones close it. */
const MAX_SKIPPED_BODY_BYTES = 64 * 1024;

/** Frame errors after which the stream is still in sync, so the session can go on. */
const RECOVERABLE_FRAME_ERRORS = new Set(["bad_json", "not_an_object", "empty_header"]);

/** A connection as the session needs it. */
export type SessionConn = Deno.Conn;

/** Serves one connection until it ends; never throws. */
export async function runSession(conn: SessionConn, services: Services): Promise<void> {
  try {
    await new Session(conn, services).run();
  } catch (error) {
    services.log.error("session setup failed", { detail: String(error) });
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

class Session implements SessionState {
  readonly id: number;
  readonly peer: string;
  readonly address: string;
  helloDone = false;
  account: Account | undefined;
  vfs: Vfs | undefined;
  cwd = "/";
  loginFailures = 0;
  closeAfterReply = false;
  upload: Upload | undefined;

  #conn: SessionConn;
  #services: Services;
  #reader: FrameReader;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(conn: SessionConn, services: Services) {
    this.#conn = conn;
    this.#services = services;
    this.#reader = new FrameReader(conn);
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.peer = `${addr.hostname}:${addr.port}`;
    this.address = addr.hostname;
    this.id = services.sessions.open(addr.hostname, addr.port, "ftpx");
  }

  get state(): "connected" | "authenticated" | "closed" {
    if (this.#closed) return "closed";
    return this.account ? "authenticated" : "connected";
  }

  async run(): Promise<void> {
    const { log } = this.#services;
    log.info("connect", { peer: this.peer });
    try {
      while (!this.closeAfterReply) {
        const request = await this.#nextRequest();
        if (request === null) break;
        const response = await this.#handle(request);
        if (response) await this.#send(response);
      }
    } catch (error) {
      await this.#onStreamError(error);
    } finally {
      this.#close();
      log.info("disconnect", { peer: this.peer, user: this.account?.name });
    }
  }

  /** Reads the next request, answering recoverable frame errors in place. */
  async #nextRequest(): Promise<FrameHeader | null> {
    while (true) {
      this.#armIdleTimer();
      try {
        return await this.#reader.readHeader();
      } catch (error) {
        if (!(error instanceof FrameError) || !RECOVERABLE_FRAME_ERRORS.has(error.code)) {
          throw error;
        }
        this.#services.log.warn("bad frame", { peer: this.peer, reason: error.code });
        await this.#send({ status: 400, message: error.message });
      } finally {
        clearTimeout(this.#idleTimer);
      }
    }
  }

  /** Runs one request; returns the response to send, or null if the handler already sent it. */
  async #handle(request: FrameHeader): Promise<FrameHeader | null> {
    const id = Number.isSafeInteger(request.id) ? request.id as number : undefined;
    let reply: Reply;
    let replied = false;
    try {
      const ctx: OpContext = {
        session: this,
        services: this.#services,
        request,
        reader: this.#reader,
        sink: this.#conn,
        sendReply: async (early) => {
          replied = true;
          await this.#send(responseFrame(id, early));
        },
      };
      const operation = lookupOperation(request);
      if (request.body !== undefined && !operation.body) {
        throw new OperationError("bad_request", `Operation "${operation.name}" takes no body`);
      }
      reply = await dispatch(ctx, operation);
    } catch (error) {
      if (replied) {
        // Part of a body is out: the stream can't carry an error reply any more.
        this.#errorReply(error, request);
        this.#close();
        return null;
      }
      reply = this.#errorReply(error, request);
    }
    if (replied) return null;
    if (this.#reader.bodyRemaining > 0) await this.#discardBody();
    return responseFrame(id, reply);
  }

  #errorReply(error: unknown, request: FrameHeader): Reply {
    const reply = toErrorReply(error);
    const fields = { peer: this.peer, user: this.account?.name, op: String(request.op) };
    if (reply.internal) {
      this.#services.log.error("internal error", { ...fields, detail: String(error) });
    } else if (!(fields.op === "login" && reply.kind === "unauthenticated")) {
      // A refused login is one event, already logged by the operation as "login failed".
      this.#services.log.info("command error", { ...fields, status: reply.status });
    }
    return { status: reply.status, message: reply.message };
  }

  /** Skips an unread body if small; a large one is not worth reading: close after the reply. */
  async #discardBody(): Promise<void> {
    if (this.#reader.bodyRemaining > MAX_SKIPPED_BODY_BYTES) {
      this.closeAfterReply = true;
      return;
    }
    await this.#reader.skipBody();
  }

  async #send(header: FrameHeader): Promise<void> {
    if (this.#closed) return;
    await writeFrame(this.#conn, header);
  }

  /** A broken frame or a dead socket: say why if the socket still works, then close. */
  async #onStreamError(error: unknown): Promise<void> {
    const { log } = this.#services;
    if (error instanceof FrameError) {
      log.warn("bad frame", { peer: this.peer, reason: error.code });
      const status = error.code === "header_too_large" ? 413 : 400;
      await this.#send({ status, message: `${error.message}: closing connection` }).catch(() => {});
    } else if (!isDisconnect(error) && !this.#closed) {
      log.error("session failed", { peer: this.peer, detail: String(error) });
    }
  }

  #armIdleTimer(): void {
    const seconds = this.#services.config.idleTimeout;
    this.#idleTimer = setTimeout(() => {
      this.#services.log.info("idle timeout", { peer: this.peer, user: this.account?.name });
      this.#send({ status: 408, message: `Idle for ${seconds}s: closing connection` })
        .catch(() => {})
        .finally(() => this.#close());
    }, seconds * 1000);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.upload?.abort().catch((error) => {
      this.#services.log.error("upload abort failed", { peer: this.peer, detail: String(error) });
    });
    this.#services.sessions.close(this.id);
    clearTimeout(this.#idleTimer);
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer.
    }
  }
}

function responseFrame(id: number | undefined, reply: Reply): FrameHeader {
  const { status = 200, message = "OK", ...fields } = reply;
  return id === undefined ? { status, message, ...fields } : { id, status, message, ...fields };
}

function isDisconnect(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted ||
    error instanceof Deno.errors.UnexpectedEof ||
    error instanceof Deno.errors.NotConnected;
}
