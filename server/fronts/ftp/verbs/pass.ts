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
    if (session.account) return reply(503, "Already logged in");
    const name = session.pendingUser;
    if (name === undefined) return reply(503, "Send USER first");
    session.pendingUser = undefined;
    const connection = {
      id: session.id,
      peer: session.peer,
      address: session.peerAddress,
      protocol: "ftp",
      loginFailures: session.loginFailures,
    };
    try {
      ({ account: session.account, vfs: session.vfs } = await logIn(
        services,
        connection,
        name,
        password,
      ));
    } catch (error) {
      if (!(error instanceof LoginRefusedError)) throw error;
      session.loginFailures = connection.loginFailures;
      if (error.closeConnection) session.closeAfterReply = true;
      return reply(ERROR_TABLE[error.kind].ftp, error.message);
    }
    session.cwd = "/";
    return reply(230, `Logged in as ${session.account.name}`);
  },
});
