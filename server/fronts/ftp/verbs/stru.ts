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
        ? reply(200, "Structure set to F")
        : reply(504, "Only STRU F is supported"),
    ),
});
