import { OperationError } from "../../../core/errors.ts";
import { logIn } from "../../../core/auth/login.ts";
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
    const account = await logIn(services, session, user, password);
    return {
      message: `Logged in as ${account.name}`,
      user: account.name,
      admin: account.admin,
      cwd: "/",
    };
  },
});
