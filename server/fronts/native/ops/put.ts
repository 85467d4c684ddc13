import { FrameError } from "../../../../protocol/frame.ts";
import type { FrameReader } from "../../../../protocol/frame_reader.ts";
import { OperationError } from "../../../core/errors.ts";
import { type CommitResult, TransferRecord, type Upload } from "../../../core/transfer/mod.ts";
import { defineOperation, type OpContext } from "./operation.ts";

/** `put_offset`: where an upload of this file would resume, after checking it would fit. */
export const putOffset = defineOperation({
  name: "put_offset",
  summary: "Ask where a put of this file would resume (and whether it fits the quota)",
  auth: "user",
  args: { path: "path", size: "int", source: "string?" },
  async handler(ctx, { path, size, source }) {
    const { path: target, offset } = await ctx.services.files.uploadOffset(ctx.session, path, {
      size,
      ...(source !== undefined ? { source } : {}),
    });
    return {
      message: offset > 0 ? `Resume at byte ${offset}` : "Start at byte 0",
      path: target,
      offset,
      // The identity of what the partial holds: the same file as the client's, by construction.
      ...(offset > 0 ? { partial: { length: offset, size, source: source ?? null } } : {}),
    };
  },
});

/**
 * `put`: receive bytes `[offset, size)` of a file into its partial upload.
 * With `sha256`, commits at once if it matches; otherwise the upload waits
 * for `put_commit`.
 */
export const put = defineOperation({
  name: "put",
  summary: "Upload bytes [offset, size) of a file as the body; commit with put_commit",
  auth: "user",
  body: true,
  args: {
    path: "path",
    size: "int",
    offset: "int?",
    source: "string?",
    sha256: "string?",
    mtime: "int?",
  },
  async handler(ctx, { path, size, offset = 0, source, sha256, mtime }) {
    const { services, session, reader } = ctx;
    await endPendingUpload(ctx);
    let upload: Upload;
    try {
      if (reader.bodyRemaining !== size - offset) {
        throw new OperationError(
          "bad_request",
          `Body of "put" must be size - offset = ${size - offset} bytes`,
        );
      }
      upload = await services.files.upload(session, path, {
        offset,
        size,
        ...(source !== undefined ? { source } : {}),
      });
    } catch (error) {
      await reader.skipBody();
      throw error;
    }
    session.upload = upload;
    const target = upload.path;
    const record = new TransferRecord(services, session, {
      direction: "upload",
      path: target,
      offset,
      total: size,
    });
    try {
      await upload.receive(bodySource(reader), {
        length: size - offset,
        onProgress: (n) => record.progress(n),
      });
      record.end("complete");
    } catch (error) {
      record.end(error instanceof OperationError ? "failed" : "aborted");
      session.upload = undefined;
      await upload.abort();
      if (error instanceof OperationError) await reader.skipBody();
      throw error;
    }
    if (sha256 === undefined) {
      return {
        message: `Received "${target}": send put_commit with its sha256`,
        path: target,
        received: upload.length,
        sha256: upload.digest(),
        committed: false,
      };
    }
    return { ...await commitUpload(ctx, target, sha256, mtime), received: upload.length };
  },
});

/** `put_commit`: verify the received upload's sha256 and give it its name. */
export const putCommit = defineOperation({
  name: "put_commit",
  summary: "Finish a put: rename the upload into place if its sha256 matches",
  auth: "user",
  args: { path: "path", sha256: "string", mtime: "int?" },
  async handler(ctx, { path, sha256, mtime }) {
    return await commitUpload(ctx, ctx.services.files.path(ctx.session, path), sha256, mtime);
  },
});

/** Commits the pending upload of `target` (keeping `mtime`, ms, when given). */
async function commitUpload(
  ctx: OpContext,
  target: string,
  sha256: string,
  mtime: number | undefined,
) {
  const upload = ctx.session.upload;
  if (!upload || upload.path !== target) {
    throw new OperationError("bad_request", `No upload of "${target}" to commit: put it first`);
  }
  ctx.session.upload = undefined;
  if (mtime !== undefined && (!Number.isSafeInteger(mtime) || mtime < 0)) {
    await upload.abort();
    throw new OperationError("bad_request", `Invalid mtime ${mtime}: milliseconds since 1970`);
  }
  let result: CommitResult;
  try {
    result = await upload.commit({ sha256, ...(mtime !== undefined ? { mtime } : {}) });
  } catch (error) {
    // Still open (the database was out of reach): pending again, for put_commit or its end.
    if (upload.open) ctx.session.upload = upload;
    throw error;
  }
  return {
    status: 201,
    message: `Stored "${target}" (${result.identity.size} bytes, sha256 verified)`,
    path: target,
    ...result.identity,
    sha256: result.sha256,
    committed: true,
  };
}

/** A put that was never committed is dropped (its partial stays for a resume). */
async function endPendingUpload(ctx: OpContext): Promise<void> {
  const pending = ctx.session.upload;
  ctx.session.upload = undefined;
  await pending?.abort();
}

/** The request body as a byte source; a client gone mid-body is a lost connection, not a bug. */
function bodySource(reader: FrameReader) {
  return {
    async read(buffer: Uint8Array): Promise<number | null> {
      if (reader.bodyRemaining === 0) return null;
      try {
        return await reader.readBody(buffer);
      } catch (error) {
        if (error instanceof FrameError && error.code === "truncated") {
          throw new Deno.errors.UnexpectedEof("Connection closed during the upload");
        }
        throw error;
      }
    },
  };
}
