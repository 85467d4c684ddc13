import { sanitizeText } from "../replies.ts";
import { listTarget, sendLines } from "./_list_target.ts";
import { defineVerb } from "./verb.ts";

/** NLST: names only, one per line, over the data connection. */
export const nlst = defineVerb({
  name: "NLST",
  syntax: "NLST [<path>]",
  auth: "user",
  arg: "optional",
  data: true,
  async handler(ctx, arg) {
    const target = await listTarget(ctx, arg);
    const names = target.directory
      ? target.entries.map((entry) => sanitizeText(entry.name))
      : [sanitizeText(target.path)];
    ctx.session.startTransfer({
      description: `NLST ${target.path}`,
      subject: { direction: "listing", path: target.path },
      opening: `Here comes the name list of ${target.path}`,
      run: async (data, report) => (await sendLines(data, names, report), undefined),
    });
    return undefined;
  },
});
