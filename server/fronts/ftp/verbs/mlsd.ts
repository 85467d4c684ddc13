import { OperationError } from "../../../core/errors.ts";
import { formatFacts } from "../listing.ts";
import { sendLines } from "./_list_target.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** MLSD: a directory's entries as RFC 3659 facts over the data connection. */
export const mlsd = defineVerb({
  name: "MLSD",
  syntax: "MLSD [<path>]",
  auth: "user",
  arg: "optional",
  data: true,
  async handler(ctx, arg) {
    const { vfs } = loggedIn(ctx);
    const path = vfs.normalize(ctx.session.cwd, arg || ".");
    const entry = await vfs.stat(path);
    if (entry.type !== "dir") {
      throw new OperationError("not_a_directory", `Cannot list "${path}": not a directory`);
    }
    const facts = ctx.session.mlstFacts;
    const lines = (await vfs.list(path)).map((item) => formatFacts(item, facts));
    ctx.session.startTransfer({
      description: `MLSD ${path}`,
      opening: `Here comes the listing of ${path}`,
      run: async (data, report) => (await sendLines(data, lines, report), undefined),
    });
    return undefined;
  },
});
