/**
 * One client connection of the native protocol: a small state machine
 * (connected, authenticated, closed) that reads a request frame, dispatches
 * it, and answers, until the client quits, idles out or breaks the format.
 * Errors are caught here, once, and turned into replies.
 */

import { MAX_BAD_FRAMES, MAX_LINGER_MS, MAX_SKIPPED_BODY_BYTES } from "../../core/limits.ts";
import { closeQuietly, isDisconnect } from "../../core/net/disconnect.ts";
import { encodeFrame, FrameError, type FrameHeader } from "../../../protocol/frame.ts";
import { type ByteSource, FrameReader } from "../../../protocol/frame_reader.ts";
import { type ByteSink, writeAll, writeFrame } from "../../../protocol/frame_writer.ts";
import type { Account } from "../../core/accounts.ts";
import { plainAddress } from "../../core/net/address.ts";
import { ERROR_TABLE, OperationError, toErrorReply } from "../../core/errors.ts";
import { admitConnection } from "../../core/net/admission.ts";
import { closeGracefully } from "../../core/net/linger.ts";
import {
  type ClientOrigin,
  originThroughProxy,
  type ProxyEndpoint,
  ProxyHeaderError,
} from "../../core/net/proxy_protocol.ts";
import { dispatch, lookupOperation } from "./ops/mod.ts";
import type { Services } from "../../core/services.ts";
import type { OpContext, Reply, SessionState } from "./ops/operation.ts";
import { StallGuard } from "../../core/net/stall_guard.ts";
import { RateGuard, readCount } from "../../core/net/rate_guard.ts";
import type { Upload } from "../../core/transfer/mod.ts";
import type { HomeStorage } from "../../storage/mod.ts";

/** Frame errors after which the stream is still in sync, so the session can go on. */
const RECOVERABLE_FRAME_ERRORS = new Set(["bad_json", "not_an_object", "empty_header"]);

/** A connection as the session needs it: plain TCP or TLS. */
export type SessionConn = Deno.Conn | Deno.TlsConn;

/** How a connection arrived. */
export interface SessionOptions {
  /** True on the TLS listener. */
  secure: boolean;
}

/**
 * Serves one connection until it ends; never throws. The connection is first
 * admitted against the session limits (a refusal is answered with a status,
 * then closed), and a TLS handshake must finish within `header_timeout`.
 */
export async function runSession(
  conn: SessionConn,
  services: Services,
  options: SessionOptions,
): Promise<void> {
  const origin = await clientOrigin(conn, services, options);
  if (origin === null) return;
  const { address, port } = origin.client;
  const peer = `${address}:${port}`;
  let id: number | undefined;
  try {
    const admission = await admitConnection(
      services.sessions,
      { address, port, protocol: "ftpx" },
      {
        maxSessions: services.config.maxSessions,
        maxSessionsPerAddress: services.config.maxSessionsPerAddress,
      },
    );
    if (admission.admitted) id = admission.id;
    if (options.secure && !await handshakeWithin(conn, services, peer)) return;
    if (!admission.admitted) {
      services.log.warn("session refused", { peer, reason: admission.message });
      await refuseConnection(conn, ERROR_TABLE[admission.kind].status, admission.message, services);
      return;
    }
    const session = new Session(conn, services, {
      id: admission.id,
      secure: options.secure,
      client: origin.client,
      via: origin.via,
    });
    id = undefined; // The session releases its registry row itself.
    await session.run();
  } catch (error) {
    services.log.error("session setup failed", { peer, detail: String(error) });
  } finally {
    if (id !== undefined) await services.sessions.close(id).catch(() => {});
    closeQuietly(conn);
  }
}

/**
 * The client a connection serves: its socket's peer, or, on a plaintext
 * listener with `proxy_protocol`, the client the balancer's PROXY header
 * names. Null (and the connection closed, the reason logged) when a PROXY
 * listener gets a peer outside `proxy_from` or no valid header.
 */
async function clientOrigin(
  conn: SessionConn,
  services: Services,
  options: SessionOptions,
): Promise<ClientOrigin | null> {
  const remote = conn.remoteAddr as Deno.NetAddr;
  const local = conn.localAddr as Deno.NetAddr;
  const peer = { address: plainAddress(remote.hostname), port: remote.port };
  const reached = { address: plainAddress(local.hostname), port: local.port };
  const { config } = services;
  if (!config.proxyProtocol || options.secure) return { client: peer, reached, via: null };
  try {
    return await originThroughProxy(conn, { peer, local: reached }, {
      from: config.proxyFrom,
      timeoutMs: config.headerTimeout * 1000,
    });
  } catch (error) {
    const fields = { peer: `${peer.address}:${peer.port}`, reason: errorText(error) };
    // A reset while the header was read is the peer's going away, not a bad header.
    if (error instanceof ProxyHeaderError) services.log.warn("proxy header refused", fields);
    else services.log.info("connection lost", fields);
    closeQuietly(conn);
    return null;
  }
}

/** Completes a TLS handshake, or gives up after `header_timeout` seconds. */
async function handshakeWithin(
  conn: SessionConn,
  services: Services,
  peer: string,
): Promise<boolean> {
  const seconds = services.config.headerTimeout;
  const timer = setTimeout(() => {
    services.log.info("tls handshake timeout", { peer, seconds });
    closeQuietly(conn);
  }, seconds * 1000);
  try {
    await (conn as Deno.TlsConn).handshake();
    return true;
  } catch (error) {
    services.log.info("tls handshake failed", { peer, detail: errorText(error) });
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Says why the connection is refused, then closes it so that the message arrives. */
async function refuseConnection(
  conn: SessionConn,
  status: number,
  message: string,
  services: Services,
): Promise<void> {
  try {
    await writeFrame(conn, { status, message });
  } catch {
    return; // The client went away first: nothing more to say.
  }
  await closeGracefully(conn, { timeoutMs: lingerMs(services) });
}

function lingerMs(services: Services): number {
  return Math.min(services.config.headerTimeout * 1000, MAX_LINGER_MS);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class Session implements SessionState {
  readonly id: number;
  readonly peer: string;
  readonly address: string;
  readonly secure: boolean;
  helloDone = false;
  account: Account | undefined;
  home: HomeStorage | undefined;
  cwd = "/";
  loginFailures = 0;
  closeAfterReply = false;
  upload: Upload | undefined;

  #conn: SessionConn;
  #services: Services;
  #reader: FrameReader;
  /** Every write to the client goes through here, watched for stalls. */
  #sink: ByteSink;
  #readGuard: StallGuard;
  #writeGuard: StallGuard;
  /** Body reads and writes must average `min_rate` over `min_rate_window`. */
  #readRate: RateGuard;
  #writeRate: RateGuard;
  /** Ends a session not logged in within `login_timeout`. */
  #loginTimer: ReturnType<typeof setTimeout> | undefined;
  /** The login deadline passed while a request was being handled: decide once it is answered. */
  #loginOverdue = false;
  #handling = false;
  /** Bounds the wait for a request's first byte (`idle_timeout`). */
  #idleGuard: StallGuard;
  /** Bounds the rest of a request header once its first byte came (`header_timeout`). */
  #headerGuard: StallGuard;
  #badFrames = 0;
  /** The balancer the connection came through (PROXY protocol), if any. */
  #via: string | null;
  #released = false;
  #closed = false;

  constructor(
    conn: SessionConn,
    services: Services,
    options: { id: number; secure: boolean; client: ProxyEndpoint; via: string | null },
  ) {
    this.#conn = conn;
    this.#services = services;
    this.id = options.id;
    this.secure = options.secure;
    this.address = options.client.address;
    this.peer = `${this.address}:${options.client.port}`;
    this.#via = options.via;
    const timeoutMs = services.config.transferTimeout * 1000;
    this.#readGuard = new StallGuard({ timeoutMs, onStall: () => this.#onStall("receiving") });
    this.#writeGuard = new StallGuard({ timeoutMs, onStall: () => this.#onStall("sending") });
    const rate = {
      minRate: services.config.minRate,
      windowMs: services.config.minRateWindow * 1000,
    };
    this.#readRate = new RateGuard({ ...rate, onSlow: () => this.#onSlow("receiving") });
    this.#writeRate = new RateGuard({ ...rate, onSlow: () => this.#onSlow("sending") });
    this.#sink = {
      write: (data) => this.#writeGuard.watch(this.#writeRate.measure(conn.write(data), Number)),
    };
    this.#loginTimer = setTimeout(
      () => this.#onLoginDeadline(),
      services.config.loginTimeout * 1000,
    );
    this.#idleGuard = new StallGuard({
      timeoutMs: services.config.idleTimeout * 1000,
      onStall: () => this.#onIdle(),
    });
    this.#headerGuard = new StallGuard({
      timeoutMs: services.config.headerTimeout * 1000,
      onStall: () => this.#onHeaderTimeout(),
    });
    this.#reader = new FrameReader(this.#bodyGuardedSource(), {
      maxHeaderBytes: services.config.maxHeaderSize,
      onFrameStart: () => {
        this.#idleGuard.end();
        this.#headerGuard.begin();
      },
    });
  }

  get state(): "connected" | "authenticated" | "closed" {
    if (this.#closed) return "closed";
    return this.account ? "authenticated" : "connected";
  }

  async run(): Promise<void> {
    const { log } = this.#services;
    log.info("connect", { peer: this.peer, via: this.#via });
    try {
      while (!this.closeAfterReply) {
        const request = await this.#nextRequest();
        if (request === null) break;
        this.#handling = true;
        let response: FrameHeader | null;
        try {
          response = await this.#handle(request);
        } finally {
          this.#handling = false;
        }
        if (response) await this.#send(response);
        if (this.#loginOverdue) this.#onLoginDeadline();
      }
      if (this.closeAfterReply && !this.#closed) {
        await this.#linger();
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
      this.#idleGuard.begin();
      try {
        return await this.#reader.readHeader();
      } catch (error) {
        if (
          !(error instanceof FrameError) || !RECOVERABLE_FRAME_ERRORS.has(error.code) ||
          ++this.#badFrames > MAX_BAD_FRAMES
        ) {
          throw error;
        }
        this.#services.log.warn("bad frame", { peer: this.peer, reason: error.code });
        await this.#send({ status: 400, message: error.message });
      } finally {
        this.#idleGuard.end();
        this.#headerGuard.end();
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
        sink: this.#sink,
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
      if (isConnectionLost(error)) {
        // The client went away mid-request (a transfer cut off): no one to answer, nothing broken.
        this.#services.log.info("connection lost", {
          peer: this.peer,
          user: this.account?.name,
          op: String(request.op),
        });
        this.closeAfterReply = true;
        this.#close();
        return null;
      }
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
    if (reply.internal && (isDisconnect(error) || this.#closed)) {
      // The client vanished mid-operation, or a timeout closed the connection: not our fault.
      this.#services.log.info("connection lost", { ...fields, detail: String(error) });
    } else if (reply.internal) {
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
    await writeAll(this.#sink, this.#encodeReply(header));
  }

  /** Encodes a reply; one too large for a frame becomes a 413 instead of killing the session. */
  #encodeReply(header: FrameHeader): Uint8Array {
    try {
      return encodeFrame(header);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.#services.log.warn("reply too large", { peer: this.peer, detail: error.message });
      const { id } = header;
      return encodeFrame({
        ...(id === undefined ? {} : { id }),
        status: ERROR_TABLE.too_large.status,
        message: "Reply too large to send in one frame",
      });
    }
  }

  /** Reads of a request body are watched for stalls; waiting for the next request is not. */
  #bodyGuardedSource(): ByteSource {
    return {
      read: (buffer) =>
        this.#reader.bodyRemaining > 0
          ? this.#readGuard.watch(this.#readRate.measure(this.#conn.read(buffer), readCount))
          : this.#conn.read(buffer),
    };
  }

  /** A transfer made no progress for `transfer_timeout`: the peer is gone or stuck. */
  #onStall(direction: "sending" | "receiving"): void {
    const seconds = this.#services.config.transferTimeout;
    this.#services.log.info("transfer stalled", {
      peer: this.peer,
      user: this.account?.name,
      direction,
      seconds,
    });
    if (direction === "receiving") {
      // The write side is free: say why before closing (best effort, never waited on).
      this.#sendAndClose(408, `No data received for ${seconds}s: closing connection`);
    } else {
      this.#close();
    }
  }

  /** A transfer moved, but slower than `min_rate` over `min_rate_window`. */
  #onSlow(direction: "sending" | "receiving"): void {
    const { minRate, minRateWindow } = this.#services.config;
    this.#services.log.info("transfer too slow", {
      peer: this.peer,
      user: this.account?.name,
      direction,
      min_rate: minRate,
      seconds: minRateWindow,
    });
    const message =
      `Transfer slower than ${minRate} bytes/s over ${minRateWindow}s: closing connection`;
    if (direction === "receiving") this.#sendAndClose(408, message);
    else this.#close();
  }

  /** `login_timeout` passed: a session still not logged in is closed (after a login being checked). */
  #onLoginDeadline(): void {
    this.#loginTimer = undefined;
    if (this.account || this.#closed) return;
    if (this.#handling) {
      this.#loginOverdue = true;
      return;
    }
    this.#loginOverdue = false;
    const seconds = this.#services.config.loginTimeout;
    this.#services.log.info("login timeout", { peer: this.peer, seconds });
    this.#sendAndClose(408, `Not logged in within ${seconds}s: closing connection`);
  }

  /** A broken frame or a dead socket: say why if the socket still works, then close. */
  async #onStreamError(error: unknown): Promise<void> {
    const { log } = this.#services;
    if (error instanceof FrameError) {
      log.warn("bad frame", { peer: this.peer, reason: error.code });
      const status = error.code === "header_too_large" ? 413 : 400;
      try {
        await this.#send({ status, message: `${error.message}: closing connection` });
        await this.#linger();
      } catch {
        // The client is gone; the session closes anyway.
      }
    } else if (!isDisconnect(error) && !this.#closed) {
      log.error("session failed", { peer: this.peer, detail: String(error) });
    }
  }

  /** No request for `idle_timeout`. */
  #onIdle(): void {
    const seconds = this.#services.config.idleTimeout;
    this.#services.log.info("idle timeout", { peer: this.peer, user: this.account?.name });
    this.#sendAndClose(408, `Idle for ${seconds}s: closing connection`);
  }

  /** A request started to arrive, but its header did not complete within `header_timeout`. */
  #onHeaderTimeout(): void {
    const seconds = this.#services.config.headerTimeout;
    this.#services.log.warn("header timeout", { peer: this.peer, seconds });
    this.#sendAndClose(
      408,
      `Request header not completed within ${seconds}s: closing connection`,
    );
  }

  /** Sends an unsolicited status (bounded by the stall guard) and closes. */
  #sendAndClose(status: number, message: string): void {
    this.#send({ status, message }).catch(() => {}).finally(() => this.#close());
  }

  /**
   * Ends the session but lets its last reply arrive even if the client sent
   * more after it (see `linger.ts`). The registry slot is released first: the
   * session is over, however long the client takes to hang up.
   */
  async #linger(): Promise<void> {
    this.#release();
    await closeGracefully(this.#conn, { timeoutMs: lingerMs(this.#services) });
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#services.sessions.close(this.id).catch((error) => {
      this.#services.log.error("session release failed", {
        peer: this.peer,
        detail: String(error),
      });
    });
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.upload?.abort().catch((error) => {
      this.#services.log.error("upload abort failed", { peer: this.peer, detail: String(error) });
    });
    this.#release();
    clearTimeout(this.#loginTimer);
    this.#idleGuard[Symbol.dispose]();
    this.#headerGuard[Symbol.dispose]();
    this.#readGuard[Symbol.dispose]();
    this.#writeGuard[Symbol.dispose]();
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

/** The peer vanished: a failed read or write, or a request body cut short. */
function isConnectionLost(error: unknown): boolean {
  return isDisconnect(error) || (error instanceof FrameError && error.code === "truncated");
}
