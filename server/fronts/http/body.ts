/**
 * Request bodies, bounded: a JSON body is capped (checked against
 * Content-Length before reading, and while reading), and must arrive within
 * `header_timeout`; an upload body is read as a {@linkcode ByteSource}
 * watched like every transfer: a read pending for `transfer_timeout`, or a
 * trickle below `min_rate`, cuts it (`timeout`).
 */

import type { ByteSource } from "../../../protocol/frame_reader.ts";
import type { ServerConfig } from "../../core/config.ts";
import { OperationError } from "../../core/errors.ts";
import { RateGuard, readCount } from "../../core/net/rate_guard.ts";
import { StallGuard } from "../../core/net/stall_guard.ts";

/** Largest JSON request body. */
export const MAX_JSON_BYTES = 64 * 1024;

/** Reads a JSON object body of at most {@linkcode MAX_JSON_BYTES}. */
export async function readJson(
  request: Request,
  config: Pick<ServerConfig, "headerTimeout">,
): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new OperationError(
      "bad_request",
      "Expected a JSON body (Content-Type: application/json)",
    );
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_JSON_BYTES) {
    throw new OperationError(
      "too_large",
      `Request body too large: at most ${MAX_JSON_BYTES} bytes`,
    );
  }
  const text = await readCapped(request, MAX_JSON_BYTES, config.headerTimeout * 1000);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OperationError("bad_request", "Request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OperationError("bad_request", "Request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Reads a small body as text, refusing more than `limit` bytes or a body slower than `timeoutMs`. */
export async function readCapped(
  request: Request,
  limit: number,
  timeoutMs: number,
): Promise<string> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      length += value.length;
      if (length > limit) {
        reader.cancel().catch(() => {});
        throw new OperationError("too_large", `Request body too large: at most ${limit} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof OperationError) throw error;
    throw new OperationError("bad_request", "Request body could not be read");
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw new OperationError("timeout", "Request body too slow: timed out");
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/** An upload body as a byte source, under the transfer guards; dispose it when done. */
export class BodySource implements ByteSource, Disposable {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | null;
  readonly #stall: StallGuard;
  readonly #rate: RateGuard;
  #left: Uint8Array | null = null;
  #cut: string | null = null;

  /** Reads `request`'s body with the limits of `config`. */
  constructor(
    request: Request,
    config: Pick<ServerConfig, "transferTimeout" | "minRate" | "minRateWindow">,
  ) {
    this.#reader = request.body?.getReader() ?? null;
    const cut = (why: string) => {
      this.#cut = why;
      this.#reader?.cancel().catch(() => {});
    };
    this.#stall = new StallGuard({
      timeoutMs: config.transferTimeout * 1000,
      onStall: () => cut(`no data for ${config.transferTimeout}s`),
    });
    this.#rate = new RateGuard({
      minRate: config.minRate,
      windowMs: config.minRateWindow * 1000,
      onSlow: () => cut(`slower than ${config.minRate} bytes/s`),
    });
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    if (this.#left === null) {
      if (this.#reader === null) return null;
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await this.#stall.watch(
          this.#rate.measure(this.#reader.read(), (r) => readCount(r.value?.length ?? null)),
        );
      } catch {
        throw this.#failure();
      }
      if (this.#cut !== null) throw this.#failure();
      if (result.done) return null;
      this.#left = result.value;
    }
    const count = Math.min(buffer.length, this.#left.length);
    buffer.set(this.#left.subarray(0, count));
    this.#left = count === this.#left.length ? null : this.#left.subarray(count);
    return count;
  }

  #failure(): OperationError {
    return this.#cut === null
      ? new OperationError("bad_request", "Upload cut: the connection closed")
      : new OperationError("timeout", `Upload cut: ${this.#cut}`);
  }

  [Symbol.dispose](): void {
    this.#stall[Symbol.dispose]();
  }
}
