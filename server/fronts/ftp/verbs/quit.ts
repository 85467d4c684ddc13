import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** QUIT: end the session, aborting a running transfer. */
export const quit = defineVerb({
  name: "QUIT",
  syntax: "QUIT",
  auth: "none",
  arg: "none",
  duringTransfer: true,
  async handler({ session }) {
    if (session.transferring) await session.abortTransfer();
    session.closeAfterReply = true;
    return reply(Code.CLOSING, "Goodbye");
  },
});
