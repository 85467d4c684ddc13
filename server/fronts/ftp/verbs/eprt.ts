import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { activeModeRefusal, setActiveTarget } from "./_active.ts";
import { defineVerb } from "./verb.ts";

/** EPRT: active mode, `|1|address|port|` or `|2|address|port|` (RFC 2428). */
export const eprt = defineVerb({
  name: "EPRT",
  syntax: "EPRT |<1|2>|<address>|<port>|",
  auth: "user",
  arg: "required",
  feat: ({ services }) => services.config.activeMode ? ["EPRT"] : [],
  handler(ctx, arg) {
    const refusal = activeModeRefusal(ctx);
    if (refusal) return Promise.resolve(refusal);
    const text = arg.trim();
    const delimiter = text[0] ?? "";
    const [empty, family, address = "", portText = "", end, ...extra] = text.split(delimiter);
    const port = Number(portText);
    const valid = delimiter !== "" && empty === "" && end === "" && extra.length === 0 &&
      (family === "1" || family === "2") && /^\d+$/.test(portText);
    if (!valid) {
      return Promise.resolve(
        reply(Code.BAD_ARGUMENT, "EPRT needs |1|address|port| or |2|address|port|"),
      );
    }
    return setActiveTarget(ctx, address, port);
  },
});
