import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** Longest user name kept for PASS; longer ones cannot be valid accounts anyway. */
const MAX_USER_CHARS = 64;

/** USER: name the account; PASS follows. */
export const user = defineVerb({
  name: "USER",
  syntax: "USER <name>",
  auth: "none",
  arg: "required",
  handler({ session, services }, name) {
    if (session.account) {
      return Promise.resolve(reply(530, "Already logged in; cannot change user"));
    }
    if (services.config.requireTls && services.tls && !session.tls) {
      return Promise.resolve(reply(
        530,
        "This server requires TLS: send AUTH TLS first (curl --ssl-reqd, lftp set ftp:ssl-force true)",
      ));
    }
    session.pendingUser = name.slice(0, MAX_USER_CHARS);
    // The same reply for every name, so it reveals nothing about which accounts exist.
    return Promise.resolve(reply(331, "Password required"));
  },
});
