import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** ABOR: abort the running transfer (426 for it, then 226), or drop a prepared data connection. */
export const abor = defineVerb({
  name: "ABOR",
  syntax: "ABOR",
  auth: "user",
  arg: "none",
  duringTransfer: true,
  async handler({ session }) {
    if (!session.transferring) {
      await session.dropDataChannel();
      return reply(225, "No transfer to abort");
    }
    await session.abortTransfer();
    return reply(226, "Transfer aborted");
  },
});
