import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/**
 * TYPE: A (ASCII) or I (image). Both move bytes unchanged, as vsftpd does by
 * default: converting line ends would break REST offsets and SIZE.
 */
export const type = defineVerb({
  name: "TYPE",
  syntax: "TYPE A|I",
  auth: "user",
  arg: "required",
  handler({ session }, arg) {
    const [code = "", format = ""] = arg.trim().toUpperCase().split(/\s+/);
    if (code === "I" || (code === "L" && format === "8")) {
      session.type = "I";
      return Promise.resolve(reply(Code.OK, "Type set to I (binary)"));
    }
    if (code === "A" && (format === "" || format === "N")) {
      session.type = "A";
      return Promise.resolve(reply(Code.OK, "Type set to A (bytes are sent unchanged)"));
    }
    return Promise.resolve(
      reply(Code.NOT_IMPLEMENTED_FOR_PARAMETER, "Only TYPE A and TYPE I are supported"),
    );
  },
});
