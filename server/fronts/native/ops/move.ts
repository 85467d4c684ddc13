import { defineOperation } from "./operation.ts";

/** `mv`: rename or move an entry; into `to` when it is a directory. */
export const mv = defineOperation({
  name: "mv",
  summary: "Rename or move a file or directory (into TO if it is a directory)",
  auth: "user",
  args: { from: "path", to: "path" },
  async handler(ctx, { from, to }) {
    const moved = await ctx.services.files.rename(ctx.session, from, to);
    return { message: `Moved "${moved.from}" to "${moved.to}"`, ...moved };
  },
});
