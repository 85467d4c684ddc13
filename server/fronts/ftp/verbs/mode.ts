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
        ? reply(200, "Mode set to S")
        : reply(504, "Only MODE S is supported"),
    ),
});
