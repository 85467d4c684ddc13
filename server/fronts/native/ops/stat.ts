import { defineOperation, loggedIn } from "./operation.ts";

/** `stat`: describe one path. */
export const stat = defineOperation({
  name: "stat",
  summary: "Describe a file or directory",
  auth: "user",
  args: { path: "path" },
  async handler(ctx, { path }) {
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    const entry = await vfs.stat(target);
    return { message: `${entry.type} ${target}`, path: target, entry };
  },
});
