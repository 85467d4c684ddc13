import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** SYST: the system type clients use to choose a listing parser. */
export const syst = defineVerb({
  name: "SYST",
  syntax: "SYST",
  auth: "none",
  arg: "none",
  handler: () => Promise.resolve(reply(Code.SYSTEM_TYPE, "UNIX Type: L8")),
});
