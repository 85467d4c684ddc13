/**
 * Frame encoding. A frame is a 4-byte big-endian length `H`, then `H` bytes
 * of UTF-8 JSON (an object: the header), then, if the header has a `body`
 * field `N`, exactly `N` raw bytes.
 *
 * @module
 */

import { FRAME_PREFIX_BYTES, MAX_BODY_BYTES, MAX_HEADER_BYTES } from "./limits.ts";

/** A decoded frame header: a JSON object; `body` announces the bytes that follow. */
export interface FrameHeader {
  [field: string]: unknown;
  /** Length of the binary body following the header, if any. */
  body?: number;
}

/** Why a frame could not be read. */
export type FrameErrorCode =
  | "header_too_large"
  | "empty_header"
  | "bad_json"
  | "not_an_object"
  | "bad_body_length"
  | "truncated";

/** A frame on the wire breaks the format; the connection cannot be trusted after it. */
export class FrameError extends Error {
  /** Machine-readable reason. */
  readonly code: FrameErrorCode;

  /**
   * Creates a frame error.
   *
   * @param code Why the frame is invalid.
   * @param message Human-readable detail.
   */
  constructor(code: FrameErrorCode, message: string) {
    super(message);
    this.name = "FrameError";
    this.code = code;
  }
}

const encoder = new TextEncoder();
/** Encodes to {@linkcode FRAME_PREFIX_BYTES} bytes, later replaced by the length prefix. */
const PREFIX_PLACEHOLDER = "\0".repeat(FRAME_PREFIX_BYTES);

/**
 * Encodes a header as a frame (length prefix plus JSON). The body, if the
 * header announces one, is written by the caller right after.
 *
 * @param header The header object to send.
 * @param maxHeaderBytes Cap on the JSON length; defaults to {@linkcode MAX_HEADER_BYTES}.
 * @returns The bytes to write.
 * @throws {RangeError} If the JSON is longer than the cap or `body` is not a valid length.
 *
 * @example Usage
 * ```ts
 * import { encodeFrame } from "./frame.ts";
 * const bytes = encodeFrame({ op: "pwd" });
 * const length = new DataView(bytes.buffer).getUint32(0);
 * if (length !== bytes.length - 4) throw new Error("wrong prefix");
 * ```
 */
export function encodeFrame(
  header: FrameHeader,
  maxHeaderBytes: number = MAX_HEADER_BYTES,
): Uint8Array {
  if (header.body !== undefined) checkBodyLength(header.body);
  // One allocation: four placeholder bytes are encoded with the JSON, then
  // overwritten with its length (a round trip encodes two frames per side).
  const frame = encoder.encode(PREFIX_PLACEHOLDER + JSON.stringify(header));
  const length = frame.length - FRAME_PREFIX_BYTES;
  if (length > maxHeaderBytes) {
    throw new RangeError(
      `Cannot encode frame: header is ${length} bytes, limit is ${maxHeaderBytes}`,
    );
  }
  frame[0] = length >>> 24;
  frame[1] = (length >>> 16) & 0xff;
  frame[2] = (length >>> 8) & 0xff;
  frame[3] = length & 0xff;
  return frame;
}

/**
 * Validates a body length announced by a header.
 *
 * @param value The `body` field of a header.
 * @returns The length, as a number.
 * @throws {FrameError} If it is not an integer from 0 to 2^53-1.
 *
 * @example Usage
 * ```ts
 * import { checkBodyLength } from "./frame.ts";
 * if (checkBodyLength(5 * 2 ** 30) !== 5 * 2 ** 30) throw new Error("wrong");
 * ```
 */
export function checkBodyLength(value: unknown): number {
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 ||
    value > MAX_BODY_BYTES
  ) {
    throw new FrameError(
      "bad_body_length",
      `Invalid body length ${
        String(value).slice(0, 40)
      }: expected an integer from 0 to ${MAX_BODY_BYTES}`,
    );
  }
  return value;
}
