/** A bare protocol client for end-to-end tests that speak frames directly to a real server. */

import { FrameReader } from "../protocol/frame_reader.ts";
import { writeFrame } from "../protocol/frame_writer.ts";
import { PROTOCOL_VERSION } from "../protocol/limits.ts";
import { concatBytes } from "./_data.ts";

/** A response header as received. */
export type WireResponse = Record<string, unknown> & { status: number; message: string };

/** One TCP connection speaking the native protocol, request by request. */
export class WireClient implements Disposable {
  readonly #conn: Deno.TcpConn;
  readonly #reader: FrameReader;
  /** The `hello` reply. */
  hello: WireResponse | undefined;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reader = new FrameReader(conn);
  }

  /** Connects to a loopback port and exchanges `hello`; logs in when a user is given. */
  static async open(port: number, login?: { user: string; password: string }): Promise<WireClient> {
    const client = new WireClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    client.hello = await client.request("hello", { version: PROTOCOL_VERSION });
    if (login) {
      const reply = await client.request("login", login);
      if (reply.status !== 200) throw new Error(`login failed: ${reply.message}`);
    }
    return client;
  }

  /** Sends one request and reads its response header. */
  async request(op: string, fields: Record<string, unknown> = {}): Promise<WireResponse> {
    await writeFrame(this.#conn, { op, ...fields });
    const header = await this.#reader.readHeader();
    if (header === null) throw new Error(`Connection closed instead of answering "${op}"`);
    return header as WireResponse;
  }

  /** Reads the body of the response just read, whole (test bodies are small). */
  async readBody(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    while (this.#reader.bodyRemaining > 0) {
      const chunk = new Uint8Array(Math.min(this.#reader.bodyRemaining, 64 * 1024));
      chunks.push(chunk.subarray(0, await this.#reader.readBody(chunk)));
    }
    return concatBytes(...chunks);
  }

  /** True when the server has closed the connection (reads end of stream). */
  async closedByServer(): Promise<boolean> {
    return await this.#reader.readHeader().then((header) => header === null, () => true);
  }

  [Symbol.dispose](): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}
