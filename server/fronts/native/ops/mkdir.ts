import { defineOperation } from "./operation.ts";

/** `mkdir`: create a directory, with `parents` like `mkdir -p`. */
export const mkdir = defineOperation({
  name: "mkdir",
  summary: "Create a directory (parents: also missing parents)",
  auth: "user",
  args: { path: "path", parents: "boolean?" },
  async handler(ctx, { path, parents }) {
    const { files } = ctx.services;
    const target = await files.mkdir(ctx.session, path, { parents: parents ?? false });
    return {
      status: 201,
      message: `Created "${target}"`,
      path: target,
      entry: (await files.stat(ctx.session, target)).entry,
    };
  },
});
