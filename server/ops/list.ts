import { defineOperation, loggedIn } from "./operation.ts";

/** `ls`: list a directory, sorted by name. */
export const ls = defineOperation({
  name: "ls",
  summary: "List a directory (default: the current one)",
  auth: "user",
  args: { path: "path?" },
  async handler(ctx, { path }) {
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path ?? ".");
    const entries = await vfs.list(target);
    return { message: `${entries.length} entries`, path: target, entries };
  },
});
