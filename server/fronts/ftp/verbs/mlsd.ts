import { OperationError } from "../../../core/errors.ts";
import { formatFacts } from "../listing.ts";
import { sendListing } from "./_list_target.ts";
import { defineVerb } from "./verb.ts";

/** MLSD: a directory's entries as RFC 3659 facts over the data connection. */
export const mlsd = defineVerb({
  name: "MLSD",
  syntax: "MLSD [<path>]",
  auth: "user",
  arg: "optional",
  data: true,
  async handler(ctx, arg) {
    const { path, directory, listing } = await ctx.services.files.listTarget(
      ctx.session,
      arg || ".",
    );
    if (!directory) {
      listing.close();
      throw new OperationError("not_a_directory", `Cannot list "${path}": not a directory`);
    }
    const facts = ctx.session.mlstFacts;
    sendListing(ctx, {
      description: `MLSD ${path}`,
      subject: { direction: "listing", path },
      opening: `Here comes the listing of ${path}`,
      listing,
      line: (entry) => formatFacts(entry, facts),
    });
    return undefined;
  },
});
