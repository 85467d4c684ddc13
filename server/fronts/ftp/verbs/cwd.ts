import { quotePath, reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** CWD: change directory; `..` never climbs above the home. */
export const cwd = defineVerb({
  name: "CWD",
  aliases: ["XCWD"],
  syntax: "CWD <path>",
  auth: "user",
  arg: "required",
  // Paths are "/"-separated from one virtual root (RFC 3659 TVFS).
  feat: () => ["TVFS"],
  async handler(ctx, path) {
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    await vfs.requireDirectory(target);
    ctx.session.cwd = target;
    return reply(250, `Directory changed to ${quotePath(target)}`);
  },
});
