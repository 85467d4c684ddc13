import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** NOOP: keep the connection alive. */
export const noop = defineVerb({
  name: "NOOP",
  syntax: "NOOP",
  auth: "none",
  arg: "none",
  duringTransfer: true,
  handler: () => Promise.resolve(reply(Code.OK, "OK")),
});
