import { sanitizeText } from "../replies.ts";
import { listTarget, sendListing } from "./_list_target.ts";
import { defineVerb } from "./verb.ts";

/** NLST: names only, one per line, over the data connection. */
export const nlst = defineVerb({
  name: "NLST",
  syntax: "NLST [<path>]",
  auth: "user",
  arg: "optional",
  data: true,
  async handler(ctx, arg) {
    const { path, directory, listing } = await listTarget(ctx, arg);
    sendListing(ctx, {
      description: `NLST ${path}`,
      subject: { direction: "listing", path },
      opening: `Here comes the name list of ${path}`,
      listing,
      line: (entry) => sanitizeText(directory ? entry.name : path),
    });
    return undefined;
  },
});
