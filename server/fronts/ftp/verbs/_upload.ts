/** What STOR and APPE share: an upload through the shared transfer machinery. */

import { OperationError } from "../../../core/errors.ts";
import { beginUpload } from "../../../core/transfer/mod.ts";
import { reply } from "../replies.ts";
import { loggedIn, type VerbContext } from "./verb.ts";

/**
 * Starts receiving `path` from byte `offset` into a hidden partial file,
 * committed under its name when the client closes the data connection.
 * Quota is enforced while data flows (552, and the partial is dropped); an
 * aborted or broken transfer keeps the partial, so REST+STOR or APPE can
 * resume it.
 */
export async function startUpload(
  ctx: VerbContext,
  verb: "STOR" | "APPE",
  path: string,
  offset: number,
): Promise<undefined> {
  const { vfs, account } = loggedIn(ctx);
  const { session, services } = ctx;
  const upload = await beginUpload(
    services.transfers,
    { vfs, userId: account.id, path },
    { offset },
  );
  session.startTransfer({
    description: `${verb} ${path}`,
    opening: `Ready to receive ${path}${offset > 0 ? ` from byte ${offset}` : ""}`,
    start: offset,
    run: async (data, report) => {
      try {
        await upload.receive(data, { onProgress: report });
      } catch (error) {
        // FTP clients cannot see or remove a hidden partial: one that can never fit is dropped.
        if (error instanceof OperationError && error.kind === "quota_exceeded") {
          await upload.abort({ keep: false });
        }
        throw error;
      }
      if (session.controlLost) {
        // The client vanished: its end of data may be a crash, not the end of the file.
        throw new OperationError("bad_request", "Control connection lost during the upload");
      }
      const result = await upload.commit();
      return reply(226, `Stored ${path} (${result.identity.size} bytes)`);
    },
    end: () => upload.abort(),
  });
  return undefined;
}

/**
 * Bytes the server holds of `path`: the file's size, or for a file whose
 * upload was interrupted, the bytes of it received so far. Null when neither exists.
 */
export async function storedLength(ctx: VerbContext, path: string): Promise<number | null> {
  const { vfs, account } = loggedIn(ctx);
  const info = await vfs.statOrNull(path);
  if (info?.isFile) return info.size;
  if (info) throw new OperationError("is_a_directory", `Cannot size "${path}": not a file`);
  const record = await ctx.services.transfers.partials.get(account.id, path);
  return record ? await vfs.partialLength(record.partial) : null;
}
