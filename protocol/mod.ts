/**
 * The ftpx wire protocol, shared by server and client.
 *
 * A connection carries frames both ways. A frame is a 4-byte big-endian
 * header length, a UTF-8 JSON object (the header), then, when the header has
 * a `body` field N, exactly N raw bytes. The client sends requests (`op`), the
 * server answers each with a response (`status`, `message`). The first request
 * is `hello`, carrying {@linkcode PROTOCOL_VERSION}. See `docs/protocol.md`.
 *
 * @example Encode and decode a frame
 * ```ts
 * import { encodeFrame, FrameReader } from "./mod.ts";
 * const wire = encodeFrame({ op: "hello", version: 1 });
 * let done = false;
 * const reader = new FrameReader({
 *   read(buffer) {
 *     if (done) return Promise.resolve(null);
 *     done = true;
 *     buffer.set(wire);
 *     return Promise.resolve(wire.length);
 *   },
 * });
 * const header = await reader.readHeader();
 * if (header?.version !== 1) throw new Error("round trip failed");
 * ```
 *
 * @module
 */

export * from "./frame.ts";
export * from "./frame_reader.ts";
export * from "./frame_writer.ts";
export * from "./limits.ts";
export * from "./messages.ts";
export * from "./size.ts";
export * from "./status.ts";
export * from "./version.ts";
