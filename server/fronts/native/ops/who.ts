import type { SessionInfo } from "../../../../protocol/messages.ts";
import { defineOperation } from "./operation.ts";

/** `who`: live sessions of every server thread, and of every node sharing the database (administrators). */
export const who = defineOperation({
  name: "who",
  summary: "List live sessions of all server threads and nodes (administrators)",
  auth: "admin",
  args: {},
  async handler(ctx) {
    const sessions: SessionInfo[] = (await ctx.services.sessions.list()).map((session) => ({
      user: session.user,
      address: session.address,
      port: session.port,
      protocol: session.protocol,
      node: session.node,
      since: new Date(session.since).toISOString(),
      activity: session.activity,
    }));
    return { message: `${sessions.length} sessions`, sessions };
  },
});
