/**
 * Raw protocol connections for hostile-input and limit tests: frames (or any
 * bytes) written by hand to a real server, replies read with the real frame
 * reader. A connection can come from another loopback address (127.0.0.2...)
 * to test per-address limits.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { Buffer } from "node:buffer";
import { encodeFrame, type FrameHeader } from "../protocol/frame.ts";
import { FrameReader } from "../protocol/frame_reader.ts";
import { writeAll } from "../protocol/frame_writer.ts";
import { PROTOCOL_VERSION } from "../protocol/limits.ts";

/** The byte stream under a {@linkcode WireClient}. */
export interface RawStream {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}

/** Options for {@linkcode WireClient.connect}. */
export interface WireOptions {
  /** Source address, e.g. `127.0.0.2`; default the system's choice (127.0.0.1). */
  from?: string;
  /** Connect with TLS trusting these PEM certificates. */
  caCerts?: string[];
}

/** A hand-driven protocol connection. */
export class WireClient implements Disposable {
  readonly stream: RawStream;
  readonly reader: FrameReader;
  #nextId = 1;
  #closed = false;

  private constructor(stream: RawStream) {
    this.stream = stream;
    this.reader = new FrameReader(stream);
  }

  /** Opens a connection to a loopback port. */
  static async connect(port: number, options: WireOptions = {}): Promise<WireClient> {
    if (options.caCerts) {
      const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: options.caCerts });
      return new WireClient(conn);
    }
    if (options.from) return new WireClient(await connectFrom(options.from, port));
    return new WireClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Writes raw bytes. */
  send(bytes: Uint8Array): Promise<void> {
    return writeAll(this.stream, bytes);
  }

  /** Sends a request (with a fresh id unless one is given) and returns its response. */
  async request(op: string, fields: Record<string, unknown> = {}): Promise<FrameHeader> {
    await this.send(encodeFrame({ op, id: this.#nextId++, ...fields }));
    return await this.response();
  }

  /** Reads the next frame; throws if the server closed the connection instead. */
  async response(): Promise<FrameHeader> {
    const header = await this.reader.readHeader();
    if (header === null) throw new Error("Connection closed by the server");
    return header;
  }

  /** `hello` then `login`; throws unless both succeed. */
  async logIn(user: string, password: string): Promise<void> {
    const hello = await this.request("hello", { version: PROTOCOL_VERSION });
    if (hello.status !== 200) throw new Error(`hello failed: ${JSON.stringify(hello)}`);
    const login = await this.request("login", { user, password });
    if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login)}`);
  }

  /**
   * Reads until the server closes the connection; returns the frames it sent
   * first. Fails on anything but frames followed by a clean end (or a reset).
   */
  async untilClosed(): Promise<FrameHeader[]> {
    const frames: FrameHeader[] = [];
    try {
      while (true) {
        const header = await this.reader.readHeader();
        if (header === null) return frames;
        frames.push(header);
        if (this.reader.bodyRemaining > 0) await this.reader.skipBody();
      }
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) return frames;
      throw error;
    }
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.stream.close();
    } catch {
      // Already closed.
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Runs `work`, failing with `what` if it has not finished after `ms`: a
 * broken server then fails the test instead of hanging it. Not a delay.
 */
export async function failAfter<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends `burst` again and again, never reading, until the server hangs up:
 * the first write after it closed fails with a reset or a broken pipe.
 * Fails the test if that takes over a minute.
 */
export async function sendUntilHungUp(
  send: (data: Uint8Array) => Promise<unknown>,
  burst: Uint8Array,
): Promise<void> {
  const ended = await failAfter(60_000, "the server never hung up", async () => {
    try {
      while (true) await send(burst);
    } catch (error) {
      return error;
    }
  });
  assert.ok(
    ended instanceof Deno.errors.ConnectionReset || ended instanceof Deno.errors.BrokenPipe,
    String(ended),
  );
}

/** A TCP connection from a chosen local address (Deno.connect cannot bind one), as a RawStream. */
function connectFrom(localAddress: string, port: number): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    const chunks: Buffer[] = [];
    let ended = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      notify();
    });
    socket.on("end", () => {
      ended = true;
      notify();
    });
    socket.on("close", () => {
      ended = true;
      notify();
    });
    socket.on("error", (error: Error) => {
      failure = error;
      reject(error);
      notify();
    });
    socket.on("connect", () =>
      resolve({
        async read(buffer) {
          while (chunks.length === 0 && !ended && !failure) {
            await new Promise<void>((resume) => wake = resume);
          }
          const chunk = chunks.shift();
          if (chunk === undefined) {
            if (failure && !ended) throw failure;
            return null;
          }
          const n = Math.min(chunk.length, buffer.length);
          buffer.set(chunk.subarray(0, n));
          if (n < chunk.length) chunks.unshift(chunk.subarray(n));
          return n;
        },
        write(data) {
          return new Promise((done, fail) =>
            socket.write(data, (error) => error ? fail(error) : done(data.length))
          );
        },
        closeWrite() {
          return new Promise((done) => socket.end(done));
        },
        close() {
          socket.destroy();
        },
      }));
  });
}
