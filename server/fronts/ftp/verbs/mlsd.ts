import { OperationError } from "../../../core/errors.ts";
import { formatFacts } from "../listing.ts";
import { sendLines } from "./_list_target.ts";
import { defineVerb } from "./verb.ts";

/** MLSD: a directory's entries as RFC 3659 facts over the data connection. */
export const mlsd = defineVerb({
  name: "MLSD",
  syntax: "MLSD [<path>]",
  auth: "user",
  arg: "optional",
  data: true,
  async handler(ctx, arg) {
    const { path, directory, entries } = await ctx.services.files.listTarget(
      ctx.session,
      arg || ".",
    );
    if (!directory) {
      throw new OperationError("not_a_directory", `Cannot list "${path}": not a directory`);
    }
    const facts = ctx.session.mlstFacts;
    const lines = entries.map((item) => formatFacts(item, facts));
    ctx.session.startTransfer({
      description: `MLSD ${path}`,
      subject: { direction: "listing", path },
      opening: `Here comes the listing of ${path}`,
      run: async (data, report) => (await sendLines(data, lines, report), undefined),
    });
    return undefined;
  },
});
