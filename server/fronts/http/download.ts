/**
 * File downloads over HTTP, for the web client and WebDAV: one byte range
 * (`Range: bytes=a-b`, `a-`, `-n`; `If-Range` on the ETag), streamed from
 * the core's `Download` with backpressure, traced by a `TransferRecord`
 * (`who`, the transfer log line, metrics). Always an attachment under the
 * sandbox policy: a user's HTML never renders as the app.
 */

import { OperationError } from "../../core/errors.ts";
import type { Services } from "../../core/services.ts";
import type { UserSession } from "../../core/session.ts";
import { TransferRecord } from "../../core/transfer/mod.ts";
import { attachment, baseHeaders } from "./security.ts";

/** A satisfiable byte range, or why not. */
export type RangeChoice =
  | { kind: "whole" }
  | { kind: "range"; start: number; end: number }
  | { kind: "unsatisfiable" };

/**
 * Reads a `Range` header against a file of `size` bytes. Anything but one
 * `bytes=` range is served whole, as RFC 9110 allows.
 */
export function parseRange(header: string | null, size: number): RangeChoice {
  if (header === null) return { kind: "whole" };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return { kind: "whole" };
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return { kind: "unsatisfiable" };
    return size === 0
      ? { kind: "unsatisfiable" }
      : { kind: "range", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) {
    return { kind: "unsatisfiable" };
  }
  return { kind: "range", start, end };
}

/** The ETag of a file version. */
export function etagOf(tag: string): string {
  return `"${tag}"`;
}

/** Answers a GET (or HEAD) of `path`: the whole file, one range, 304 or 416. */
export async function serveFile(
  services: Services,
  session: UserSession,
  request: Request,
  path: string,
): Promise<Response> {
  const { entry, path: target } = await services.files.stat(session, path);
  if (entry.type === "dir") {
    throw new OperationError("is_a_directory", `Cannot download "${target}": is a directory`);
  }
  // Opened first, so the size and tag answered are the version sent.
  const probe = await services.files.download(session, target, { length: 0 });
  const { size, tag, mtime } = probe.identity;
  probe.close();
  const etag = etagOf(tag);
  const headers = baseHeaders("data");
  headers.set("content-type", "application/octet-stream");
  headers.set("content-disposition", attachment(entry.name));
  headers.set("accept-ranges", "bytes");
  headers.set("etag", etag);
  headers.set("last-modified", new Date(mtime).toUTCString());
  headers.set("cache-control", "private, no-cache");
  if (request.headers.get("if-none-match") === etag) {
    return new Response(null, { status: 304, headers });
  }
  const ifRange = request.headers.get("if-range");
  const range = ifRange !== null && ifRange !== etag
    ? { kind: "whole" as const }
    : parseRange(request.headers.get("range"), size);
  if (range.kind === "unsatisfiable") {
    headers.set("content-range", `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  const offset = range.kind === "range" ? range.start : 0;
  const length = range.kind === "range" ? range.end - range.start + 1 : size;
  headers.set("content-length", String(length));
  if (range.kind === "range") {
    headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
  }
  const status = range.kind === "range" ? 206 : 200;
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const download = await services.files.download(session, target, { offset, length, tag });
  const record = new TransferRecord(services, session, {
    direction: "download",
    path: target,
    offset,
    total: size,
    label: `GET ${target}`,
  });
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    { highWaterMark: 2 },
    { highWaterMark: 2 },
  );
  const writer = writable.getWriter();
  (async () => {
    try {
      await download.sendTo({
        write: async (chunk) => {
          await writer.ready;
          // The download reuses its buffers: the stream gets a copy.
          writer.write(chunk.slice()).catch(() => {});
          return chunk.length;
        },
      }, { onProgress: (sent) => record.progress(sent) });
      await writer.close();
      record.end("complete");
    } catch (error) {
      record.end("aborted");
      await writer.abort(error).catch(() => {});
    } finally {
      download.close();
    }
  })();
  return new Response(readable, { status, headers });
}
