import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** REST: the offset the next RETR, STOR or APPE starts at (RFC 3659 stream mode). */
export const rest = defineVerb({
  name: "REST",
  syntax: "REST <offset>",
  auth: "user",
  arg: "required",
  feat: () => ["REST STREAM"],
  handler({ session }, arg) {
    const offset = Number(arg.trim());
    if (!/^\d+$/.test(arg.trim()) || !Number.isSafeInteger(offset)) {
      return Promise.resolve(reply(Code.BAD_ARGUMENT, "REST needs a byte offset (a whole number)"));
    }
    session.restartOffset = offset;
    return Promise.resolve(reply(Code.PENDING, `Restarting at ${offset}; send RETR, STOR or APPE`));
  },
});
