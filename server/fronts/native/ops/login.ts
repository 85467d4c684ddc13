import { OperationError } from "../../../core/errors.ts";
import { logIn, LoginRefusedError } from "../../../core/auth/login.ts";
import { defineOperation } from "./operation.ts";

/** `login`: authenticate with name and password. */
export const login = defineOperation({
  name: "login",
  summary: "Log in with user name and password",
  auth: "none",
  args: { user: "string", password: "string" },
  async handler(ctx, { user, password }) {
    const { session, services } = ctx;
    if (session.account) throw new OperationError("bad_request", "Already logged in");
    try {
      ({ account: session.account, vfs: session.vfs } = await logIn(
        services,
        session,
        user,
        password,
      ));
    } catch (error) {
      if (error instanceof LoginRefusedError && error.closeConnection) {
        session.closeAfterReply = true;
      }
      throw error;
    }
    session.cwd = "/";
    return {
      message: `Logged in as ${session.account.name}`,
      user: session.account.name,
      admin: session.account.admin,
      cwd: "/",
    };
  },
});
