import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { activeModeRefusal, setActiveTarget } from "./_active.ts";
import { defineVerb } from "./verb.ts";

/** PORT: active mode over IPv4, `h1,h2,h3,h4,p1,p2` (off unless `active_mode` is on). */
export const port = defineVerb({
  name: "PORT",
  syntax: "PORT <h1,h2,h3,h4,p1,p2>",
  auth: "user",
  arg: "required",
  handler(ctx, arg) {
    const refusal = activeModeRefusal(ctx);
    if (refusal) return Promise.resolve(refusal);
    const numbers = arg.trim().split(",").map((part) => Number(part.trim()));
    const valid = numbers.length === 6 &&
      numbers.every((number) => Number.isInteger(number) && number >= 0 && number <= 255);
    if (!valid) return Promise.resolve(reply(Code.BAD_ARGUMENT, "PORT needs h1,h2,h3,h4,p1,p2"));
    const address = numbers.slice(0, 4).join(".");
    return setActiveTarget(ctx, address, numbers[4]! * 256 + numbers[5]!);
  },
});
