import { formatListLine } from "../listing.ts";
import { listTarget, sendLines } from "./_list_target.ts";
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
    const target = await listTarget(ctx, arg);
    const now = Date.now();
    const lines = target.entries.map((entry) => formatListLine(entry, account.name, now));
    ctx.session.startTransfer({
      description: `LIST ${target.path}`,
      subject: { direction: "listing", path: target.path },
      opening: `Here comes the listing of ${target.path}`,
      run: async (data, report) => (await sendLines(data, lines, report), undefined),
    });
    return undefined;
  },
});
