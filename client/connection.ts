/**
 * The client side of the wire: one connection to a server, sending a request
 * frame and reading its response. Bodies (transfers) are read or written by
 * the caller through {@linkcode Connection.reader} and {@linkcode Connection.sink}.
 */

import type { FrameHeader } from "../protocol/frame.ts";
import { FrameError } from "../protocol/frame.ts";
import { FrameReader } from "../protocol/frame_reader.ts";
import { type ByteSink, writeFrame } from "../protocol/frame_writer.ts";
import { PROTOCOL_VERSION } from "../protocol/limits.ts";
import { isOk } from "../protocol/status.ts";
import { FTPX_VERSION } from "../protocol/version.ts";
import type { Entry } from "../protocol/messages.ts";
import { describeTlsFailure } from "./tls_error.ts";

/**
 * How long connecting, the TLS handshake and `hello` may take: a server that
 * accepts and never answers must not hang the client. `hello` costs the server
 * no hashing, so this is generous even under load.
 */
const HANDSHAKE_TIMEOUT_MS = 20_000;

/** Largest listing body accepted: 100,000 entries of generous size. */
const MAX_LISTING_BODY_BYTES = 64 * 1024 * 1024;
const decoder = new TextDecoder();

/** A response header: `status`, `message`, and operation-specific fields. */
export interface ResponseHeader extends FrameHeader {
  status: number;
  message: string;
}

/** The server refused a request; `message` is the server's one-line reason. */
export class RemoteError extends Error {
  /** The response status. */
  readonly status: number;

  /** Wraps a failed response. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "RemoteError";
    this.status = status;
  }
}

/** The connection broke (closed, reset, or a malformed reply). */
export class ConnectionLostError extends Error {
  /** Describes what was happening when the connection broke; `cause` is the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionLostError";
  }
}

/**
 * The user interrupted (Ctrl-C in the shell) and the connection was closed on
 * purpose: what was in flight stopped; `message` says what is kept.
 */
export class InterruptedError extends ConnectionLostError {
  /** Says what stopped and what is kept. */
  constructor(message = "Interrupted") {
    super(message);
    this.name = "InterruptedError";
  }
}

/** `host:port`, with an IPv6 address in brackets (`[::1]:2121`), as URLs write it. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Where `ftpx connect` connects without -H. */
export const DEFAULT_HOST = "127.0.0.1";
/** Where `ftpx connect` connects without -P. */
export const DEFAULT_PORT = 2121;

/** Where to connect. */
export interface ConnectOptions {
  host: string;
  port: number;
  /** Connect with TLS, verifying the server against the default roots plus `caCerts` (PEM). */
  tls?: { caCerts?: string[] | undefined } | undefined;
}

/** The TLS handshake failed: the server could not be verified, or does not speak TLS. */
export class TlsVerificationError extends Error {
  /** Wraps a handshake failure with a message that says what to do. */
  constructor(message: string) {
    super(message);
    this.name = "TlsVerificationError";
  }
}

/** An open connection to a server, past the `hello` exchange. */
export class Connection {
  readonly #conn: Deno.Conn;
  readonly #reader: FrameReader;
  readonly #firstBytes: FirstBytes;
  readonly address: string;
  /** True when the connection is TLS (and the server was verified). */
  readonly secure: boolean;
  /** The server's reply to `hello` (version, name, whether registration is open). */
  hello: ResponseHeader | undefined;
  #nextId = 1;
  #closed = false;
  #interrupted = false;
  #interruptListeners: (() => void)[] = [];

  private constructor(conn: Deno.Conn, address: string, secure: boolean) {
    this.#conn = conn;
    this.#firstBytes = new FirstBytes(conn);
    this.#reader = new FrameReader(this.#firstBytes);
    this.address = address;
    this.secure = secure;
  }

  /** Connects and exchanges `hello`; throws with a message that says what to try. */
  static async open(options: ConnectOptions): Promise<Connection> {
    let connection: Connection | undefined;
    const opening = Connection.#open(options, (opened) => connection = opened);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new Error(
            `No answer from ${hostPort(options.host, options.port)} in ${
              HANDSHAKE_TIMEOUT_MS / 1000
            }s ` +
              "(is it an ftpx server, and running? check -H and -P)",
          ),
        );
      }, HANDSHAKE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([opening, timeout]);
    } catch (error) {
      // Given up: a connection still being made is closed once it is.
      connection?.close();
      opening.then((late) => late.close(), () => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  static async #open(
    { host, port, tls }: ConnectOptions,
    onConnected: (connection: Connection) => void,
  ): Promise<Connection> {
    const address = hostPort(host, port);
    const conn = tls ? await openTls(host, port, tls.caCerts) : await openTcp(host, port);
    const connection = new Connection(conn, address, tls !== undefined);
    onConnected(connection);
    try {
      connection.hello = await connection.call("hello", {
        version: PROTOCOL_VERSION,
        client: `ftpx/${FTPX_VERSION}`,
      });
    } catch (error) {
      connection.close();
      if (!tls && connection.#firstBytes.lookLikeTls()) {
        throw new Error(`${address} speaks TLS: connect with --tls (and --ca FILE if needed)`);
      }
      // Garbage instead of a frame: most likely another kind of server (FTP, HTTP, SSH).
      if (error instanceof ConnectionLostError && error.cause instanceof FrameError) {
        throw new Error(
          `${address} does not speak the ftpx protocol (another kind of server? check -H and -P)`,
        );
      }
      throw error;
    }
    return connection;
  }

  /** Reads response bodies. */
  get reader(): FrameReader {
    return this.#reader;
  }

  /** Writes request bodies. */
  get sink(): ByteSink {
    return this.#conn;
  }

  /** Sends a request and returns its response, whatever its status. */
  async request(op: string, fields: Record<string, unknown> = {}): Promise<ResponseHeader> {
    const id = this.#nextId++;
    try {
      await writeFrame(this.#conn, { op, id, ...fields });
      return await this.readResponse(id);
    } catch (error) {
      throw this.#lost(error);
    }
  }

  /**
   * Writes a request without waiting for its response, for pipelining and
   * for requests with a body (which the caller writes next through
   * {@linkcode Connection.sink}). Returns the id to pass to {@linkcode Connection.readResponse}.
   */
  async send(op: string, fields: Record<string, unknown> = {}): Promise<number> {
    const id = this.#nextId++;
    try {
      await writeFrame(this.#conn, { op, id, ...fields });
    } catch (error) {
      throw this.#lost(error);
    }
    return id;
  }

  /** Sends a request and returns its response, throwing {@linkcode RemoteError} unless it succeeded. */
  async call(op: string, fields: Record<string, unknown> = {}): Promise<ResponseHeader> {
    const response = await this.request(op, fields);
    if (!isOk(response.status)) throw new RemoteError(response.status, response.message);
    return response;
  }

  /** Reads the next response header, checking it answers request `id`. */
  async readResponse(id?: number): Promise<ResponseHeader> {
    let header: FrameHeader | null;
    try {
      header = await this.#reader.readHeader();
    } catch (error) {
      throw this.#lost(error);
    }
    if (header === null) {
      if (this.#interrupted) throw new InterruptedError();
      throw new ConnectionLostError("Connection closed by the server");
    }
    const { status, message } = header;
    if (typeof status !== "number" || typeof message !== "string") {
      throw new ConnectionLostError("Malformed response from the server");
    }
    if (header.id === undefined && !isOk(status)) {
      // Unsolicited: the server is closing the connection (idle timeout, shutdown).
      this.close();
      throw new ConnectionLostError(message);
    }
    if (id !== undefined && header.id !== id) {
      throw new ConnectionLostError("Response out of order from the server");
    }
    return header as ResponseHeader;
  }

  /**
   * Lists a remote directory: `ls`, reading the entries from the reply body
   * when the server sends a large listing there. Throws {@linkcode RemoteError}
   * on failure.
   */
  async list(path?: string): Promise<{ path: string; entries: Entry[] }> {
    const response = await this.call("ls", path === undefined ? {} : { path });
    if (typeof response.body !== "number") {
      return { path: String(response.path), entries: response.entries as Entry[] };
    }
    if (response.body > MAX_LISTING_BODY_BYTES) {
      this.close();
      throw new ConnectionLostError("Listing from the server is too large");
    }
    const json = new Uint8Array(response.body);
    let filled = 0;
    try {
      while (filled < json.length) filled += await this.#reader.readBody(json.subarray(filled));
      return { path: String(response.path), entries: JSON.parse(decoder.decode(json)) };
    } catch (error) {
      throw this.#lost(error);
    }
  }

  /**
   * Closes the connection on the user's behalf (Ctrl-C): whatever waits on it
   * fails with {@linkcode InterruptedError}, and transfers keep what they got.
   */
  interrupt(): void {
    if (this.#interrupted) return;
    this.#interrupted = true;
    this.close();
    for (const listener of this.#interruptListeners.splice(0)) listener();
  }

  /**
   * Calls `listener` when {@linkcode Connection.interrupt} is (e.g. to stop
   * helper connections); returns a function that stops listening.
   */
  onInterrupt(listener: () => void): () => void {
    this.#interruptListeners.push(listener);
    return () => {
      this.#interruptListeners = this.#interruptListeners.filter((other) => other !== listener);
    };
  }

  /** True once {@linkcode Connection.interrupt} was called. */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  #lost(error: unknown): Error {
    if (error instanceof ConnectionLostError || error instanceof RemoteError) return error;
    this.close();
    if (this.#interrupted) return new InterruptedError();
    if (error instanceof FrameError) {
      return new ConnectionLostError(`Connection lost: ${error.message}`, { cause: error });
    }
    return new ConnectionLostError("Connection lost");
  }
}

async function openTcp(host: string, port: number): Promise<Deno.TcpConn> {
  try {
    const conn = await Deno.connect({ hostname: host, port });
    conn.setNoDelay(true);
    return conn;
  } catch (error) {
    throw new Error(`Cannot connect to ${hostPort(host, port)}: ${describeConnectError(error)}`);
  }
}

/** Connects and completes the handshake, so a server that can't be verified fails here, clearly. */
async function openTls(
  host: string,
  port: number,
  caCerts: string[] | undefined,
): Promise<Deno.TlsConn> {
  let conn: Deno.TlsConn;
  try {
    conn = await Deno.connectTls({ hostname: host, port, ...(caCerts ? { caCerts } : {}) });
  } catch (error) {
    throw new Error(`Cannot connect to ${hostPort(host, port)}: ${describeConnectError(error)}`);
  }
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw new TlsVerificationError(
      `TLS with ${hostPort(host, port)} failed: ${
        describeTlsFailure(error instanceof Error ? error.message : String(error), {
          host,
          hadCa: caCerts !== undefined,
        })
      }`,
    );
  }
  return conn;
}

/** Keeps the first bytes the server sent, to recognise a TLS server spoken to in plaintext. */
class FirstBytes {
  readonly #conn: Deno.Conn;
  #seen = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    const n = await this.#conn.read(buffer);
    if (n !== null && this.#seen.length < 2) {
      this.#seen = new Uint8Array([...this.#seen, ...buffer.subarray(0, Math.min(n, 2))]);
    }
    return n;
  }

  /** A TLS record (alert 0x15 or handshake 0x16, version 3.x) rather than a frame. */
  lookLikeTls(): boolean {
    return (this.#seen[0] === 0x15 || this.#seen[0] === 0x16) && this.#seen[1] === 0x03;
  }
}

function describeConnectError(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionRefused) {
    return "connection refused (is the server running? check -H and -P)";
  }
  if (error instanceof Deno.errors.TimedOut) return "timed out";
  if (error instanceof Deno.errors.NotCapable) return "network access not permitted";
  const text = error instanceof Error ? error.message : String(error);
  // Deno reports a failed name lookup as a plain Error.
  if (/failed to lookup address/i.test(text)) return "unknown host (check -H)";
  return text;
}
