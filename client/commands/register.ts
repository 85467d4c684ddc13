import { checkUserName } from "./_names.ts";
import { askNewPassword } from "./_passwords.ts";
import type { ShellCommand } from "./command.ts";
import { type Connection, DEFAULT_HOST, DEFAULT_PORT } from "../connection.ts";

/** `register`: create a new account on this server, when it allows self-registration. */
export const register: ShellCommand = {
  name: "register",
  usage: "register NAME",
  summary: "Create a new account on this server (if it allows registration)",
  args: { min: 1, max: 1 },
  async run(ctx, [name]) {
    checkUserName(name!);
    if (ctx.connection.hello?.register !== true) {
      throw new Error("Registration is disabled on this server: ask its administrator");
    }
    const password = await askNewPassword(ctx.prompter, `Password for ${name}`);
    const response = await ctx.connection.call("register", { user: name, password });
    ctx.print(`${response.message}; log in with "${connectCommand(ctx.connection, name!)}"`);
  },
};

/** The command that reaches this server as `user`, naming only what differs from the defaults. */
function connectCommand(connection: Connection, user: string): string {
  const colon = connection.address.lastIndexOf(":");
  const host = connection.address.slice(0, colon);
  const port = connection.address.slice(colon + 1);
  const flags = [
    ...(host === DEFAULT_HOST ? [] : ["-H", host]),
    ...(port === String(DEFAULT_PORT) ? [] : ["-P", port]),
    ...(connection.secure ? ["--tls"] : []),
    "-u",
    user,
  ];
  return `ftpx connect ${flags.join(" ")}`;
}
