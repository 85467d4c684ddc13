import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** STRU: only F (file). */
export const stru = defineVerb({
  name: "STRU",
  syntax: "STRU F",
  auth: "user",
  arg: "required",
  handler: (_ctx, arg) =>
    Promise.resolve(
      arg.trim().toUpperCase() === "F"
        ? reply(Code.OK, "Structure set to F")
        : reply(Code.NOT_IMPLEMENTED_FOR_PARAMETER, "Only STRU F is supported"),
    ),
});
