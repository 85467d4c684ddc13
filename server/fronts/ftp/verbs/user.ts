import { Code } from "../codes.ts";
import { tlsRequired } from "../../../core/config.ts";
import { reply } from "../replies.ts";
import { MAX_KEPT_NAME_CHARS } from "../../../core/limits.ts";
import { defineVerb } from "./verb.ts";

/** USER: name the account; PASS follows. */
export const user = defineVerb({
  name: "USER",
  syntax: "USER <name>",
  auth: "none",
  arg: "required",
  handler({ session, services }, name) {
    if (session.account) {
      return Promise.resolve(reply(Code.NOT_LOGGED_IN, "Already logged in; cannot change user"));
    }
    if (tlsRequired(services.config) && !session.tls) {
      return Promise.resolve(reply(
        530,
        "This server requires TLS: send AUTH TLS first (curl --ssl-reqd, lftp set ftp:ssl-force true)",
      ));
    }
    session.pendingUser = name.slice(0, MAX_KEPT_NAME_CHARS);
    // The same reply for every name, so it reveals nothing about which accounts exist.
    return Promise.resolve(reply(Code.NEED_PASSWORD, "Password required"));
  },
});
