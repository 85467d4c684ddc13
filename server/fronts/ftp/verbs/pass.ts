import { Code } from "../codes.ts";
import { ERROR_TABLE } from "../../../core/errors.ts";
import { logIn, LoginRefusedError } from "../../../core/auth/login.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** PASS: the password for the name given by USER. */
export const pass = defineVerb({
  name: "PASS",
  syntax: "PASS <password>",
  auth: "none",
  arg: "optional",
  async handler({ session, services }, password) {
    if (session.account) return reply(Code.BAD_SEQUENCE, "Already logged in");
    const name = session.pendingUser;
    if (name === undefined) return reply(Code.BAD_SEQUENCE, "Send USER first");
    session.pendingUser = undefined;
    try {
      const account = await logIn(services, session, name, password);
      return reply(Code.LOGGED_IN, `Logged in as ${account.name}`);
    } catch (error) {
      if (!(error instanceof LoginRefusedError)) throw error;
      return reply(ERROR_TABLE[error.kind].ftp, error.message);
    }
  },
});
