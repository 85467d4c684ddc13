import { defineOperation, loggedIn } from "./operation.ts";

/** `mkdir`: create a directory, with `parents` like `mkdir -p`. */
export const mkdir = defineOperation({
  name: "mkdir",
  summary: "Create a directory (parents: also missing parents)",
  auth: "user",
  args: { path: "path", parents: "boolean?" },
  async handler(ctx, { path, parents }) {
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    await vfs.mkdir(target, { parents: parents ?? false });
    return {
      status: 201,
      message: `Created "${target}"`,
      path: target,
      entry: await vfs.stat(target),
    };
  },
});
