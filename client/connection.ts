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

/** Where to connect. */
export interface ConnectOptions {
  host: string;
  port: number;
}

/** An open connection to a server, past the `hello` exchange. */
export class Connection {
  readonly #conn: Deno.Conn;
  readonly #reader: FrameReader;
  readonly address: string;
  /** The server's reply to `hello` (version, name, whether registration is open). */
  hello: ResponseHeader | undefined;
  #nextId = 1;
  #closed = false;

  private constructor(conn: Deno.Conn, address: string) {
    this.#conn = conn;
    this.#reader = new FrameReader(conn);
    this.address = address;
  }

  /** Connects and exchanges `hello`; throws with a message that says what to try. */
  static async open({ host, port }: ConnectOptions): Promise<Connection> {
    const address = `${host}:${port}`;
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: host, port });
    } catch (error) {
      throw new Error(`Cannot connect to ${address}: ${describeConnectError(error)}`);
    }
    conn.setNoDelay(true);
    const connection = new Connection(conn, address);
    try {
      connection.hello = await connection.call("hello", {
        version: PROTOCOL_VERSION,
        client: `ftpx/${FTPX_VERSION}`,
      });
    } catch (error) {
      connection.close();
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
    if (header === null) throw new ConnectionLostError("Connection closed by the server");
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
    if (error instanceof FrameError) {
      return new ConnectionLostError(`Connection lost: ${error.message}`, { cause: error });
    }
    return new ConnectionLostError("Connection lost");
  }
}

function describeConnectError(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionRefused) {
    return "connection refused (is the server running? check -H and -P)";
  }
  if (error instanceof Deno.errors.TimedOut) return "timed out";
  if (error instanceof Deno.errors.NotCapable) return "network access not permitted";
  return error instanceof Error ? error.message : String(error);
}
