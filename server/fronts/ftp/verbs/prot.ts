import { Code } from "../codes.ts";
import { protRequired } from "../../../core/config.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** PROT: data connection protection, C (clear) or P (private: TLS). */
export const prot = defineVerb({
  name: "PROT",
  syntax: "PROT C|P",
  auth: "none",
  arg: "required",
  feat: ({ services }) => services.tls ? ["PROT"] : [],
  handler({ session, services }, level) {
    if (!session.tls) return Promise.resolve(reply(Code.BAD_SEQUENCE, "PROT needs AUTH TLS first"));
    switch (level.trim().toUpperCase()) {
      case "P":
        session.protectData = true;
        return Promise.resolve(reply(Code.OK, "Data connections will use TLS"));
      case "C":
        if (protRequired(services.config)) {
          return Promise.resolve(
            reply(Code.POLICY_DENIED, "Data connections must be encrypted here: use PROT P"),
          );
        }
        session.protectData = false;
        return Promise.resolve(reply(Code.OK, "Data connections will be in clear text"));
      case "S":
      case "E":
        return Promise.resolve(
          reply(Code.PROTECTION_LEVEL_NOT_SUPPORTED, "Only PROT C and PROT P are supported"),
        );
      default:
        return Promise.resolve(
          reply(Code.NOT_IMPLEMENTED_FOR_PARAMETER, "Unknown protection level: use C or P"),
        );
    }
  },
});
