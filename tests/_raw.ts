/**
 * A raw protocol client for end-to-end tests: frames built with the
 * `protocol/` encoder (or by hand, to be malformed) on a plain TCP socket, so
 * tests see exactly what the server sends back.
 */

import { encodeFrame, type FrameHeader } from "../protocol/frame.ts";
import { FrameReader } from "../protocol/frame_reader.ts";
import { writeAll } from "../protocol/frame_writer.ts";
import { PROTOCOL_VERSION } from "../protocol/limits.ts";

/** A response as tests look at it. */
export interface RawResponse extends FrameHeader {
  status: number;
  message: string;
}

/** One TCP connection speaking frames. */
export class RawClient implements Disposable {
  readonly #conn: Deno.TcpConn;
  readonly #reader: FrameReader;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reader = new FrameReader(conn);
  }

  /** Connects without saying anything. */
  static async connect(port: number): Promise<RawClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new RawClient(conn);
  }

  /** Connects, says hello and logs in; throws unless both succeed. */
  static async login(port: number, user: string, password: string): Promise<RawClient> {
    const client = await RawClient.connect(port);
    await client.expectOk({ op: "hello", version: PROTOCOL_VERSION });
    await client.expectOk({ op: "login", user, password });
    return client;
  }

  /** Sends one request frame. */
  async send(header: FrameHeader): Promise<void> {
    await writeAll(this.#conn, encodeFrame(header));
  }

  /** Sends raw bytes (a hand-made, possibly malformed frame, or several frames at once). */
  async sendBytes(bytes: Uint8Array): Promise<void> {
    await writeAll(this.#conn, bytes);
  }

  /** Reads the next response header; throws if the server closed the connection. */
  async receive(): Promise<RawResponse> {
    const header = await this.#reader.readHeader();
    if (header === null) throw new Error("Connection closed by the server");
    return header as RawResponse;
  }

  /** Sends a request and reads its response. */
  async request(header: FrameHeader): Promise<RawResponse> {
    await this.send(header);
    return await this.receive();
  }

  /** Sends a request and throws unless the response is 2xx. */
  async expectOk(header: FrameHeader): Promise<RawResponse> {
    const response = await this.request(header);
    if (response.status < 200 || response.status > 299) {
      throw new Error(`${JSON.stringify(header)} failed: ${JSON.stringify(response)}`);
    }
    return response;
  }

  /** True once the server has closed its side (end of stream between frames). */
  async closedByServer(): Promise<boolean> {
    try {
      return await this.#reader.readHeader() === null;
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) return true;
      throw error;
    }
  }

  [Symbol.dispose](): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** A frame with an arbitrary payload and a 4-byte big-endian length (default: the payload's). */
export function rawFrame(payload: string | Uint8Array, length?: number): Uint8Array {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const frame = new Uint8Array(4 + bytes.length);
  new DataView(frame.buffer).setUint32(0, length ?? bytes.length, false);
  frame.set(bytes, 4);
  return frame;
}
