import { formatDateTime, formatTable } from "../../cli/table.ts";
import type { SessionInfo } from "../../protocol/messages.ts";
import { safeName } from "../format.ts";
import { requireAdmin, type ShellCommand } from "./command.ts";

/** `who`: an administrator lists live sessions of every server thread. */
export const who: ShellCommand = {
  name: "who",
  usage: "who",
  summary: "List live sessions: user, address, node, since, activity (admins)",
  args: { min: 0, max: 0 },
  async run(ctx) {
    requireAdmin(ctx, "who");
    const response = await ctx.connection.call("who");
    const rows = [["USER", "ADDRESS", "PROTOCOL", "NODE", "SINCE", "ACTIVITY"]];
    for (const session of response.sessions as SessionInfo[]) {
      rows.push([
        session.user ?? "(not logged in)",
        session.address.includes(":")
          ? `[${session.address}]:${session.port}`
          : `${session.address}:${session.port}`,
        session.protocol,
        // A server from before nodes were named sends none.
        session.node === undefined ? "-" : safeName(session.node),
        formatDateTime(session.since),
        session.activity === null ? "idle" : safeName(session.activity),
      ]);
    }
    ctx.print(formatTable(rows));
  },
};
