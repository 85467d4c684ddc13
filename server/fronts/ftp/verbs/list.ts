import { formatListLine } from "../listing.ts";
import { listTarget, sendListing } from "./_list_target.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** LIST: a directory (or one file) in `ls -l` form over the data connection. */
export const list = defineVerb({
  name: "LIST",
  syntax: "LIST [<path>]",
  auth: "user",
  arg: "optional",
  data: true,
  async handler(ctx, arg) {
    const { account } = loggedIn(ctx);
    const { path, listing } = await listTarget(ctx, arg);
    const now = Date.now();
    sendListing(ctx, {
      description: `LIST ${path}`,
      subject: { direction: "listing", path },
      opening: `Here comes the listing of ${path}`,
      listing,
      line: (entry) => formatListLine(entry, account.name, now),
    });
    return undefined;
  },
});
