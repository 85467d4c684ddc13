import { Code } from "../codes.ts";
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
      return reply(Code.DATA_OPEN, "No transfer to abort");
    }
    await session.abortTransfer();
    return reply(Code.TRANSFER_COMPLETE, "Transfer aborted");
  },
});
