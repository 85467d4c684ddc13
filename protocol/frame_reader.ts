/**
 * Incremental frame decoding over any byte source (a `Deno.Conn`, a TLS
 * connection, a test stub). Copes with frames split across reads and with
 * several frames arriving in one read; checks every length before trusting it.
 *
 * @module
 */

import { checkBodyLength, FrameError, type FrameHeader } from "./frame.ts";
import { FRAME_PREFIX_BYTES, MAX_HEADER_BYTES } from "./limits.ts";

/** Anything bytes can be read from, `Deno.Conn` style: `null` means end of stream. */
export interface ByteSource {
  /** Reads up to `buffer.length` bytes into `buffer`; `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/** Options for {@linkcode FrameReader}. */
export interface FrameReaderOptions {
  /** Largest header accepted; defaults to {@linkcode MAX_HEADER_BYTES}. */
  maxHeaderBytes?: number;
  /**
   * Called once per frame when its first byte is available, so a caller can
   * give the rest of the header a deadline (a slow trickle is then bounded).
   */
  onFrameStart?: () => void;
}

const INITIAL_BUFFER_BYTES = 4096;
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads frames one at a time: {@linkcode FrameReader.readHeader} for the
 * header, then {@linkcode FrameReader.readBody} until the announced body is
 * consumed.
 *
 * @example Usage
 * ```ts
 * import { encodeFrame } from "./frame.ts";
 * import { FrameReader } from "./frame_reader.ts";
 *
 * const bytes = encodeFrame({ op: "put", body: 3 });
 * const wire = new Uint8Array([...bytes, 1, 2, 3]);
 * let sent = false;
 * const reader = new FrameReader({
 *   read(buffer) {
 *     if (sent) return Promise.resolve(null);
 *     sent = true;
 *     buffer.set(wire);
 *     return Promise.resolve(wire.length);
 *   },
 * });
 * const header = await reader.readHeader();
 * if (header?.op !== "put") throw new Error("wrong op");
 * const body = new Uint8Array(3);
 * if (await reader.readBody(body) !== 3) throw new Error("short body");
 * if (await reader.readHeader() !== null) throw new Error("expected end");
 * ```
 */
export class FrameReader {
  #source: ByteSource;
  #maxHeaderBytes: number;
  #onFrameStart: (() => void) | undefined;
  #buffer = new Uint8Array(INITIAL_BUFFER_BYTES);
  #start = 0;
  #end = 0;
  #bodyLeft = 0;

  /**
   * Creates a reader.
   *
   * @param source Where bytes come from.
   * @param options Limits.
   */
  constructor(source: ByteSource, options: FrameReaderOptions = {}) {
    this.#source = source;
    this.#maxHeaderBytes = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
    this.#onFrameStart = options.onFrameStart;
  }

  /** Bytes of the current frame's body not read yet. */
  get bodyRemaining(): number {
    return this.#bodyLeft;
  }

  /**
   * Reads the next frame's header.
   *
   * @returns The header, or `null` if the stream ended cleanly between frames.
   * @throws {FrameError} On an oversize or empty header, invalid JSON, a
   * non-object header, an invalid `body` length, or a stream ending mid-frame.
   */
  async readHeader(): Promise<FrameHeader | null> {
    if (this.#bodyLeft > 0) {
      throw new Error("Cannot read a header: the previous frame's body is not consumed");
    }
    if (!await this.#fill(FRAME_PREFIX_BYTES, true)) {
      if (this.#end === this.#start) return null;
      throw new FrameError("truncated", "Connection closed inside a frame prefix");
    }
    const length = new DataView(
      this.#buffer.buffer,
      this.#buffer.byteOffset + this.#start,
      FRAME_PREFIX_BYTES,
    ).getUint32(0, false);
    if (length === 0) {
      // Consume the prefix, so the stream stays in sync and the next read moves on.
      this.#start += FRAME_PREFIX_BYTES;
      this.#shrinkIfIdle();
      throw new FrameError("empty_header", "Frame header is empty");
    }
    if (length > this.#maxHeaderBytes) {
      throw new FrameError(
        "header_too_large",
        `Frame header of ${length} bytes exceeds the limit of ${this.#maxHeaderBytes}`,
      );
    }
    if (!await this.#fill(FRAME_PREFIX_BYTES + length)) {
      throw new FrameError("truncated", "Connection closed inside a frame header");
    }
    const jsonStart = this.#start + FRAME_PREFIX_BYTES;
    const json = this.#buffer.subarray(jsonStart, jsonStart + length);
    // Consume the header before parsing, so a malformed one leaves the stream in sync.
    this.#start = jsonStart + length;
    const header = parseHeader(json);
    this.#bodyLeft = header.body === undefined ? 0 : checkBodyLength(header.body);
    this.#shrinkIfIdle();
    return header;
  }

  /**
   * Reads part of the current body into `into`.
   *
   * @param into Destination; at most its length is read, never past the body's end.
   * @returns Bytes read; 0 once the body is fully consumed.
   * @throws {FrameError} If the stream ends before the body does.
   */
  async readBody(into: Uint8Array): Promise<number> {
    if (this.#bodyLeft === 0 || into.length === 0) return 0;
    const wanted = Math.min(into.length, this.#bodyLeft);
    let got: number;
    if (this.#end > this.#start) {
      got = Math.min(wanted, this.#end - this.#start);
      into.set(this.#buffer.subarray(this.#start, this.#start + got));
      this.#start += got;
      this.#shrinkIfIdle();
    } else {
      const n = await this.#source.read(into.subarray(0, wanted));
      if (n === null) {
        throw new FrameError("truncated", "Connection closed inside a frame body");
      }
      got = n;
    }
    this.#bodyLeft -= got;
    return got;
  }

  /** Reads and discards what is left of the current body. */
  async skipBody(): Promise<void> {
    if (this.#bodyLeft === 0) return;
    const scratch = new Uint8Array(Math.min(this.#bodyLeft, 64 * 1024));
    while (this.#bodyLeft > 0) await this.readBody(scratch);
  }

  /**
   * Ensures `count` bytes are buffered; `false` if the stream ended first.
   * With `frameStart`, reports the first byte of a new frame to `onFrameStart`.
   */
  async #fill(count: number, frameStart = false): Promise<boolean> {
    let started = false;
    const reportStart = () => {
      if (!frameStart || started || this.#end === this.#start) return;
      started = true;
      this.#onFrameStart?.();
    };
    reportStart();
    while (this.#end - this.#start < count) {
      this.#makeRoom(count);
      const n = await this.#source.read(this.#buffer.subarray(this.#end));
      if (n === null) return false;
      this.#end += n;
      reportStart();
    }
    return true;
  }

  /** Makes the buffer able to hold `count` bytes from `#start`, compacting or growing it. */
  #makeRoom(count: number): void {
    if (this.#start + count <= this.#buffer.length) return;
    const buffered = this.#end - this.#start;
    if (count <= this.#buffer.length) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      const grown = new Uint8Array(count);
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
    }
    this.#start = 0;
    this.#end = buffered;
  }

  /** Gives back a grown buffer once it holds nothing, so idle sessions stay small. */
  #shrinkIfIdle(): void {
    if (this.#start !== this.#end) return;
    this.#start = this.#end = 0;
    if (this.#buffer.length > INITIAL_BUFFER_BYTES) {
      this.#buffer = new Uint8Array(INITIAL_BUFFER_BYTES);
    }
  }
}

function parseHeader(bytes: Uint8Array): FrameHeader {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new FrameError("bad_json", "Frame header is not valid UTF-8 JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FrameError("not_an_object", "Frame header must be a JSON object");
  }
  return value as FrameHeader;
}
