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
    Promise.resolve(reply(257, `${quotePath(session.cwd)} is the current directory`)),
});
