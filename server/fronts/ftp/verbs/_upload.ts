/** What STOR and APPE share: an upload through the shared transfer machinery. */

import { Code } from "../codes.ts";
import { OperationError } from "../../../core/errors.ts";
import { reply } from "../replies.ts";
import type { VerbContext } from "./verb.ts";

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
  const { session, services } = ctx;
  const upload = await services.files.upload(session, path, { offset, hash: false });
  const target = upload.path;
  session.startTransfer({
    description: `${verb} ${target}`,
    opening: `Ready to receive ${target}${offset > 0 ? ` from byte ${offset}` : ""}`,
    subject: { direction: "upload", path: target, offset },
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
      return reply(Code.TRANSFER_COMPLETE, `Stored ${target} (${result.identity.size} bytes)`);
    },
    end: () => upload.abort(),
  });
  return undefined;
}
