import { Code } from "../codes.ts";
import { quotePath, reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** PWD: the current directory, as a quoted virtual path. */
export const pwd = defineVerb({
  name: "PWD",
  aliases: ["XPWD"],
  syntax: "PWD",
  auth: "user",
  arg: "none",
  handler: ({ session }) =>
    Promise.resolve(reply(Code.PATH_CREATED, `${quotePath(session.cwd)} is the current directory`)),
});
