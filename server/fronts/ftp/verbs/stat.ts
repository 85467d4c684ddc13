import { OperationError } from "../../../core/errors.ts";
import { Code } from "../codes.ts";
import { formatListLine } from "../listing.ts";
import { reply } from "../replies.ts";
import { listTarget } from "./_list_target.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/**
 * Most entries STAT lists on the control connection, where its reply is
 * built whole; LIST and MLSD stream any listing over a data connection.
 */
export const STAT_MAX_ENTRIES = 2000;

/**
 * STAT: without an argument, the session's status (or the running
 * transfer's progress); with a path, its listing on the control connection.
 */
export const stat = defineVerb({
  name: "STAT",
  syntax: "STAT [<path>]",
  auth: "user",
  arg: "optional",
  duringTransfer: true,
  async handler(ctx, arg) {
    const { session } = ctx;
    const transfer = session.transferStatus();
    if (transfer) {
      return reply(
        Code.FILE_STATUS,
        `Transferring: ${transfer.description}, ${transfer.bytes} bytes so far`,
      );
    }
    if (arg.trim() === "") {
      const { account } = loggedIn(ctx);
      return reply(
        211,
        "ftpx FTP server status:",
        `Connected from ${session.address}`,
        `Logged in as ${account.name}`,
        `TYPE: ${
          session.type === "I" ? "BINARY" : "ASCII (sent unchanged)"
        }, MODE: Stream, STRU: File`,
        `Control connection: ${session.tls ? "TLS" : "plain text"}; data connections: ${
          session.protectData ? "TLS" : "plain text"
        }`,
        "End of status",
      );
    }
    const { account } = loggedIn(ctx);
    const { path, listing } = await listTarget(ctx, arg);
    using _listing = listing;
    if (listing.length > STAT_MAX_ENTRIES) {
      throw new OperationError(
        "too_large",
        `STAT lists at most ${STAT_MAX_ENTRIES} entries; "${path}" has more: use LIST or MLSD`,
      );
    }
    const now = Date.now();
    const lines = listing.toArray().map((entry) => formatListLine(entry, account.name, now));
    return reply(Code.FILE_STATUS, `Status of ${path}:`, ...lines, "End of status");
  },
});
