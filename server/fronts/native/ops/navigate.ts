import { defineOperation } from "./operation.ts";

/** `pwd`: the current virtual directory. */
export const pwd = defineOperation({
  name: "pwd",
  summary: "Print the current directory",
  auth: "user",
  args: {},
  handler(ctx) {
    return Promise.resolve({ message: ctx.session.cwd, cwd: ctx.session.cwd });
  },
});

/** `cd`: change the current directory; no path means the home. */
export const cd = defineOperation({
  name: "cd",
  summary: "Change the current directory (no path: home)",
  auth: "user",
  args: { path: "path?" },
  async handler(ctx, { path }) {
    const target = await ctx.services.files.changeDirectory(ctx.session, path ?? "/");
    return { message: target, cwd: target };
  },
});
