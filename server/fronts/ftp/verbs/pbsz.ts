import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** PBSZ: protection buffer size, always 0 under TLS (RFC 4217). */
export const pbsz = defineVerb({
  name: "PBSZ",
  syntax: "PBSZ 0",
  auth: "none",
  arg: "required",
  feat: ({ services }) => services.tls ? ["PBSZ"] : [],
  handler({ session }, size) {
    if (!session.tls) return Promise.resolve(reply(Code.BAD_SEQUENCE, "PBSZ needs AUTH TLS first"));
    if (!/^\d+$/.test(size.trim())) {
      return Promise.resolve(reply(Code.BAD_ARGUMENT, "PBSZ needs a number"));
    }
    session.bufferSizeSet = true;
    return Promise.resolve(reply(Code.OK, "PBSZ=0"));
  },
});
