/**
 * Reads FTP command lines from the control connection. Bytes are buffered
 * across reads, so a command split over several TCP segments is whole again
 * (ftp-srv split each chunk on CRLF and misread such commands). A line ends
 * at LF, CRLF or a lone CR (Python's ftplib sends `ABOR\r\n` with the LF as
 * urgent data, which the kernel removes from the stream). Telnet commands
 * (IAC IP, IAC DM...) are dropped. Lines over {@linkcode MAX_FTP_LINE_BYTES}
 * are discarded up to their end, without buffering them.
 */

import { MAX_FTP_LINE_BYTES } from "../../../protocol/limits.ts";

/** Anything with a `read` like `Deno.Conn`. */
export interface ByteSource {
  read(buffer: Uint8Array): Promise<number | null>;
}

/** One result of {@linkcode FtpLineReader.readLine}. */
export type FtpLine =
  | { kind: "line"; text: string }
  | { kind: "too_long" }
  /** Not valid UTF-8: decoding it would turn names into others (`caf\xe9` into `caf\ufffd`). */
  | { kind: "not_utf8" };

const LF = 0x0a;
const CR = 0x0d;
const IAC = 0xff;
/** Telnet WILL, WONT, DO, DONT: each is followed by one option byte. */
const FIRST_NEGOTIATION = 0xfb;
const CHUNK_BYTES = 16 * 1024;

type TelnetState = "data" | "command" | "option";

/** Splits a byte stream into FTP command lines. */
export class FtpLineReader {
  readonly #source: ByteSource;
  readonly #maxBytes: number;
  readonly #line: Uint8Array;
  #length = 0;
  #discarding = false;
  #skipLf = false;
  #telnet: TelnetState = "data";
  readonly #chunk = new Uint8Array(CHUNK_BYTES);
  #position = 0;
  #end = 0;
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });

  /** Reads from `source`; `maxBytes` caps a line (CR/LF excluded). */
  constructor(source: ByteSource, maxBytes: number = MAX_FTP_LINE_BYTES) {
    this.#source = source;
    this.#maxBytes = maxBytes;
    this.#line = new Uint8Array(maxBytes);
  }

  /** The next line, a marker for an over-long one, or null at end of stream. */
  async readLine(): Promise<FtpLine | null> {
    while (true) {
      while (this.#position < this.#end) {
        const line = this.#take(this.#chunk[this.#position++]!);
        if (line) return line;
      }
      const count = await this.#source.read(this.#chunk);
      if (count === null) return null;
      this.#position = 0;
      this.#end = count;
    }
  }

  /**
   * Forgets everything read but not yet returned. After AUTH TLS, bytes that
   * arrived before the handshake were sent in plaintext and must not be run
   * as commands (the STARTTLS command injection flaw).
   */
  discardBuffered(): void {
    this.#position = this.#end = this.#length = 0;
    this.#discarding = this.#skipLf = false;
    this.#telnet = "data";
  }

  /** Consumes one byte; returns a line when this byte ends one. */
  #take(byte: number): FtpLine | undefined {
    if (this.#telnet !== "data") {
      if (this.#telnet === "command" && byte === IAC) {
        this.#telnet = "data";
        return this.#append(byte);
      }
      this.#telnet = this.#telnet === "command" && byte >= FIRST_NEGOTIATION ? "option" : "data";
      return undefined;
    }
    if (byte === IAC) {
      this.#telnet = "command";
      return undefined;
    }
    const skip = this.#skipLf && byte === LF;
    this.#skipLf = byte === CR;
    if (skip) return undefined;
    if (byte === LF || byte === CR) return this.#finishLine();
    return this.#append(byte);
  }

  #append(byte: number): undefined {
    if (this.#discarding) return undefined;
    if (this.#length === this.#maxBytes) {
      this.#discarding = true;
      return undefined;
    }
    this.#line[this.#length++] = byte;
    return undefined;
  }

  #finishLine(): FtpLine {
    const line: FtpLine = this.#discarding ? { kind: "too_long" } : this.#decodeLine();
    this.#length = 0;
    this.#discarding = false;
    return line;
  }

  #decodeLine(): FtpLine {
    try {
      return { kind: "line", text: this.#decoder.decode(this.#line.subarray(0, this.#length)) };
    } catch {
      return { kind: "not_utf8" };
    }
  }
}
