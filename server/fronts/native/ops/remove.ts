import { defineOperation, loggedIn } from "./operation.ts";

/** `rm`: remove a file or symlink. */
export const rm = defineOperation({
  name: "rm",
  summary: "Remove a file",
  auth: "user",
  args: { path: "path" },
  async handler(ctx, { path }) {
    const { vfs, account } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    const freed = await vfs.removeFile(target);
    await ctx.services.transfers.quota.adjust(account.id, -freed);
    return { message: `Removed "${target}"`, path: target, freed };
  },
});

/** `rmdir`: remove an empty directory, or a whole tree with `recursive`. */
export const rmdir = defineOperation({
  name: "rmdir",
  summary: "Remove a directory (recursive: with everything in it)",
  auth: "user",
  args: { path: "path", recursive: "boolean?" },
  async handler(ctx, { path, recursive }) {
    const { vfs, account } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    const freed = await vfs.removeDirectory(target, { recursive: recursive ?? false });
    await ctx.services.transfers.quota.adjust(account.id, -freed);
    return { message: `Removed "${target}"`, path: target, freed };
  },
});
