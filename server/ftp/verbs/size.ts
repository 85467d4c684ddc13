import { OperationError } from "../../errors.ts";
import { reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** SIZE: a file's size in bytes (RFC 3659; the same in TYPE A, which sends bytes unchanged). */
export const size = defineVerb({
  name: "SIZE",
  syntax: "SIZE <path>",
  auth: "user",
  arg: "required",
  feat: () => ["SIZE"],
  async handler(ctx, path) {
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    const entry = await vfs.stat(target);
    if (entry.type !== "file") {
      throw new OperationError("is_a_directory", `Cannot size "${target}": not a file`);
    }
    return reply(213, String(entry.size));
  },
});
