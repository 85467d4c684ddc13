/** Line-by-line reading of a byte stream (standard input for scripts), with a cap per line. */

const MAX_LINE_CHARS = 1024 * 1024;

/** Reads `\n`- or `\r\n`-terminated lines; the last line may lack its terminator. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #pending = "";
  #ended = false;

  /** Wraps a byte stream, decoding it as UTF-8. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next line without its terminator, or `null` at end of input. */
  async next(): Promise<string | null> {
    while (true) {
      const newline = this.#pending.indexOf("\n");
      if (newline >= 0) {
        const line = this.#pending.slice(0, newline);
        this.#pending = this.#pending.slice(newline + 1);
        return line.endsWith("\r") ? line.slice(0, -1) : line;
      }
      if (this.#pending.length > MAX_LINE_CHARS) {
        throw new RangeError(`Input line longer than ${MAX_LINE_CHARS} characters`);
      }
      if (this.#ended) {
        if (this.#pending === "") return null;
        const last = this.#pending;
        this.#pending = "";
        return last;
      }
      const { value, done } = await this.#reader.read();
      if (done) this.#ended = true;
      else this.#pending += value;
    }
  }
}

let stdinLines: LineReader | undefined;

/** The process-wide reader of standard input, so a password line and script lines share one buffer. */
export function stdinLineReader(): LineReader {
  stdinLines ??= new LineReader(Deno.stdin.readable);
  return stdinLines;
}
