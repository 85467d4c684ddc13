/**
 * A `node:net` socket seen as a `Deno.Conn`-like object (`read`, `write`,
 * `closeWrite`, `close`) that can switch to TLS in place. Deno can start TLS
 * only as a client on a `Deno.Conn`; FTP's AUTH TLS needs the server side of
 * a handshake on a connection that began in plaintext, which `node:tls`
 * `TLSSocket({isServer: true})` does. The control connection, and active
 * data connections under PROT P, use this; passive data connections are
 * plain `Deno.Conn`s or `Deno.listenTls` connections (faster, see docs/ftp.md).
 */

import { FTP_SOCKET_HIGH_WATER_BYTES } from "../../core/limits.ts";
import type { Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import { plainAddress } from "../../core/net/address.ts";

/** The part of `Deno.Conn` that FTP connections need. */
export interface ByteConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  /** Sends end of stream (and TLS close_notify) but keeps reading. */
  closeWrite(): Promise<void>;
  close(): void;
}

/** A node socket with a pull-based, backpressured reading side. */
export class SocketConn implements ByteConn {
  #socket: Socket;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #detach: () => void = () => {};

  /** Wraps a connected socket. */
  constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  /** Client address, IPv4 without the mapped-IPv6 prefix. */
  get remoteAddress(): string {
    return plainAddress(this.#socket.remoteAddress ?? "");
  }

  /** Client port. */
  get remotePort(): number {
    return this.#socket.remotePort ?? 0;
  }

  /** Local address the client reached. */
  get localAddress(): string {
    return plainAddress(this.#socket.localAddress ?? "");
  }

  /** Local port the client reached. */
  get localPort(): number {
    return this.#socket.localPort ?? 0;
  }

  /** True once the peer has ended its side (or the socket closed). */
  get ended(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** True once TLS is on. */
  get encrypted(): boolean {
    return this.#socket instanceof TLSSocket;
  }

  /** Reads available bytes into `buffer`; null at end of stream. */
  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#queue.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const head = this.#queue[0]!;
    const count = Math.min(head.length, buffer.length);
    buffer.set(head.subarray(0, count));
    if (count === head.length) this.#queue.shift();
    else this.#queue[0] = head.subarray(count);
    this.#queued -= count;
    if (this.#queued < FTP_SOCKET_HIGH_WATER_BYTES / 2 && this.#socket.isPaused()) {
      this.#socket.resume();
    }
    return count;
  }

  /** Writes all of `data`; resolves once the socket has taken it. */
  write(data: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#socket.destroyed) {
        reject(new Deno.errors.BrokenPipe("Connection closed"));
        return;
      }
      this.#socket.write(data, (error) => error ? reject(error) : resolve(data.length));
    });
  }

  /** Half-closes: the peer sees end of stream. */
  closeWrite(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed || this.#socket.writableEnded) resolve();
      else this.#socket.end(() => resolve());
    });
  }

  /** Closes at once. */
  close(): void {
    this.#socket.destroy();
    this.#ended = true;
    this.#wakeReader();
  }

  /** Reads and drops whatever comes from now on (a refused connection, so closing does not reset). */
  drain(): void {
    this.#detach();
    this.#queue = [];
    this.#queued = 0;
    this.#socket.resume();
  }

  /** Stops taking bytes from the kernel, so nothing is read in plaintext before a handshake. */
  pause(): void {
    this.#socket.pause();
  }

  /**
   * Turns this connection into the server side of a TLS session. Bytes
   * buffered but not yet read are dropped: they came in plaintext.
   *
   * @throws {Error} when the handshake fails or takes longer than `timeoutMs`
   */
  async startTls(context: SecureContext, timeoutMs: number): Promise<void> {
    this.#detach();
    this.#queue = [];
    this.#queued = 0;
    const raw = this.#socket;
    const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
    this.#socket = secure;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error("TLS handshake timed out")), timeoutMs);
        secure.once("secure", () => resolve());
        secure.once("error", reject);
        secure.once("close", () => reject(new Error("Connection closed during TLS handshake")));
      });
    } catch (error) {
      secure.destroy();
      raw.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
      secure.removeAllListeners("secure").removeAllListeners("error").removeAllListeners("close");
    }
    this.#attach(secure);
  }

  #attach(socket: Socket): void {
    const onData = (chunk: Uint8Array) => {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      if (this.#queued >= FTP_SOCKET_HIGH_WATER_BYTES) socket.pause();
      this.#wakeReader();
    };
    const onEnd = () => {
      this.#ended = true;
      this.#wakeReader();
    };
    const onError = (error: Error) => {
      this.#error = error;
      this.#wakeReader();
    };
    socket.on("data", onData).on("end", onEnd).on("close", onEnd).on("error", onError);
    this.#detach = () => {
      socket.off("data", onData).off("end", onEnd).off("close", onEnd).off("error", onError);
      // Errors after detaching (e.g. a reset during the handshake) must not crash the thread.
      socket.on("error", () => {});
    };
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
