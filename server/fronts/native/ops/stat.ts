import { defineOperation } from "./operation.ts";

/** `stat`: describe one path. */
export const stat = defineOperation({
  name: "stat",
  summary: "Describe a file or directory",
  auth: "user",
  args: { path: "path" },
  async handler(ctx, { path }) {
    const { path: target, entry } = await ctx.services.files.stat(ctx.session, path);
    return { message: `${entry.type} ${target}`, path: target, entry };
  },
});
