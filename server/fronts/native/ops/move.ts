import { defineOperation, loggedIn } from "./operation.ts";

/** `mv`: rename or move an entry; into `to` when it is a directory. */
export const mv = defineOperation({
  name: "mv",
  summary: "Rename or move a file or directory (into TO if it is a directory)",
  auth: "user",
  args: { from: "path", to: "path" },
  async handler(ctx, { from, to }) {
    const { vfs, account } = loggedIn(ctx);
    const source = vfs.normalize(ctx.session.cwd, from);
    const destination = vfs.normalize(ctx.session.cwd, to);
    const moved = await vfs.rename(source, destination);
    await ctx.services.transfers.quota.adjust(account.id, -moved.replaced);
    return { message: `Moved "${source}" to "${moved.to}"`, from: source, to: moved.to };
  },
});
