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
    if (!session.tls) return Promise.resolve(reply(503, "PROT needs AUTH TLS first"));
    switch (level.trim().toUpperCase()) {
      case "P":
        session.protectData = true;
        return Promise.resolve(reply(200, "Data connections will use TLS"));
      case "C":
        if (protRequired(services.config)) {
          return Promise.resolve(reply(534, "Data connections must be encrypted here: use PROT P"));
        }
        session.protectData = false;
        return Promise.resolve(reply(200, "Data connections will be in clear text"));
      case "S":
      case "E":
        return Promise.resolve(reply(536, "Only PROT C and PROT P are supported"));
      default:
        return Promise.resolve(reply(504, "Unknown protection level: use C or P"));
    }
  },
});
