import { defineOperation } from "./operation.ts";

/** `rm`: remove a file or symlink. */
export const rm = defineOperation({
  name: "rm",
  summary: "Remove a file",
  auth: "user",
  args: { path: "path" },
  async handler(ctx, { path }) {
    const removed = await ctx.services.files.removeFile(ctx.session, path);
    return { message: `Removed "${removed.path}"`, ...removed };
  },
});

/** `rmdir`: remove an empty directory, or a whole tree with `recursive`. */
export const rmdir = defineOperation({
  name: "rmdir",
  summary: "Remove a directory (recursive: with everything in it)",
  auth: "user",
  args: { path: "path", recursive: "boolean?" },
  async handler(ctx, { path, recursive }) {
    const removed = await ctx.services.files.removeDirectory(ctx.session, path, {
      recursive: recursive ?? false,
    });
    return { message: `Removed "${removed.path}"`, ...removed };
  },
});
