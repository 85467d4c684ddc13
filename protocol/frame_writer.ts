/**
 * Writing frames to any byte sink (a `Deno.Conn`, a TLS connection).
 *
 * @module
 */

import { encodeFrame, type FrameHeader } from "./frame.ts";

/** Anything bytes can be written to, `Deno.Conn` style: `write` may write less than asked. */
export interface ByteSink {
  /** Writes some of `data`, returning how many bytes were written. */
  write(data: Uint8Array): Promise<number>;
}

/**
 * Writes all of `data`, looping over short writes.
 *
 * @param sink Where to write.
 * @param data The bytes.
 * @returns Nothing; resolves once every byte is handed to the sink.
 *
 * @example Usage
 * ```ts
 * import { writeAll } from "./frame_writer.ts";
 * const seen: number[] = [];
 * const sink = { write: (d: Uint8Array) => (seen.push(d[0]!), Promise.resolve(1)) };
 * await writeAll(sink, new Uint8Array([7, 8, 9]));
 * if (seen.join() !== "7,8,9") throw new Error("wrong order");
 * ```
 */
export async function writeAll(sink: ByteSink, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await sink.write(offset === 0 ? data : data.subarray(offset));
  }
}

/**
 * Encodes and writes one frame header. A body it announces is the caller's to write next.
 *
 * @param sink Where to write.
 * @param header The header.
 * @returns Nothing; resolves once the header is written.
 * @throws {RangeError} If the header is too large to encode.
 *
 * @example Usage
 * ```ts
 * import { writeFrame } from "./frame_writer.ts";
 * let total = 0;
 * const sink = {
 *   write(d: Uint8Array) {
 *     total += d.length;
 *     return Promise.resolve(d.length);
 *   },
 * };
 * await writeFrame(sink, { op: "pwd" });
 * if (total !== 4 + '{"op":"pwd"}'.length) throw new Error("wrong length");
 * ```
 */
export function writeFrame(sink: ByteSink, header: FrameHeader): Promise<void> {
  return writeAll(sink, encodeFrame(header));
}
