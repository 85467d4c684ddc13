import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** MODE: only S (stream). */
export const mode = defineVerb({
  name: "MODE",
  syntax: "MODE S",
  auth: "user",
  arg: "required",
  handler: (_ctx, arg) =>
    Promise.resolve(
      arg.trim().toUpperCase() === "S"
        ? reply(Code.OK, "Mode set to S")
        : reply(Code.NOT_IMPLEMENTED_FOR_PARAMETER, "Only MODE S is supported"),
    ),
});
